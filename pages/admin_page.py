"""Admin page: accounts (add, role, disable, password), deleted uploads (restore), the audit trail.

Listed in the navigation for administrators only (and for the single user of
a workspace without accounts, who adds the first administrator here); anyone
else who opens ``/admin`` gets a refusal, recorded in the audit trail. Every
change goes through :class:`geo.store.Office`, which checks it and writes
it with its audit event. User text is shown in tables and ``st.text`` only.

Account changes start with nothing chosen (no account, no role) and are
carried out only after a second, explicit confirmation that names the account
and the change; the store refuses to demote, disable or otherwise remove the
last enabled administrator.
"""

from __future__ import annotations

import contextlib

import pandas as pd
import streamlit as st

from geo.errors import GeoError
from geo.store import ROLES, Actor
from ui import audit_words, auth
from ui.i18n import bind, error_text, lang, t
from ui.safe import md

AUDIT_ROWS = 1000
PENDING = "adm_pending"
#: The change form's buttons: (label key, action).
CHANGES = (("adm_set_role", "role"), ("adm_disable", "disable"), ("adm_enable", "enable"),
           ("adm_set_password", "password"))


def _role_label(role: str) -> str:
    return t(f"role_{role}")


def add_user_form(actor: Actor) -> None:
    """A form adding one account (the first one ends single-user mode)."""
    with st.form("adm_add_form", clear_on_submit=True):
        st.markdown(f"**{t('adm_add')}**")
        cols = st.columns(4)
        name = cols[0].text_input(t("auth_name"), key="adm_add_name", max_chars=64)
        role = cols[1].selectbox(t("adm_role"), ROLES, placeholder=t("adm_choose_role"), key="adm_add_role",
                                 index=2 if actor.name is None else None, format_func=bind(ROLES, _role_label))
        password = cols[2].text_input(t("auth_password"), type="password", key="adm_add_pw", max_chars=1024)
        again = cols[3].text_input(t("adm_password_again"), type="password", key="adm_add_pw2", max_chars=1024)
        submitted = st.form_submit_button(t("adm_add"))
    if submitted:
        if role is None:
            st.error(t("adm_choose_role"))
            return
        if password != again:
            st.error(t("adm_passwords_differ"))
            return
        try:
            user = auth.office().add_user(actor, name, role, password)
        except GeoError as exc:
            st.error(md(exc))
            return
        st.success(t("adm_added", name=md(user.name)))


def change_user_form(actor: Actor, names: list[str]) -> None:
    """Role, disable/enable and password of one account: chosen, then confirmed (see the module)."""
    with st.form("adm_change_form", clear_on_submit=True):
        st.markdown(f"**{t('adm_change')}**")
        cols = st.columns(4)
        name = cols[0].selectbox(t("adm_user"), names, placeholder=t("adm_choose_user"), index=None,
                                 key="adm_change_user")
        role = cols[1].selectbox(t("adm_role"), ROLES, placeholder=t("adm_choose_role"), index=None,
                                 key="adm_change_role", format_func=bind(ROLES, _role_label))
        password = cols[2].text_input(t("adm_new_password"), type="password", key="adm_change_pw", max_chars=1024)
        buttons = st.columns(len(CHANGES))
        clicked = [action for (label, action), col in zip(CHANGES, buttons, strict=True)
                   if col.form_submit_button(t(label), key=f"adm_{action}")]
    if clicked:
        st.session_state.pop(PENDING, None)
        if name is None or (clicked[0] == "role" and role is None):
            st.error(t("adm_choose_first"))
        else:
            st.session_state[PENDING] = {"action": clicked[0], "name": name, "role": role, "password": password}
    confirm_change(actor)


def confirm_change(actor: Actor) -> None:
    """The chosen change, spelled out, with Confirm and Cancel; carried out only on Confirm."""
    pending = st.session_state.get(PENDING)
    if not pending:
        return
    action, name, role = pending["action"], pending["name"], pending["role"]
    st.warning(t(f"adm_confirm_{action}", name=md(name), role=_role_label(role) if role else ""))
    cols = st.columns([1, 1, 4])
    if cols[1].button(t("adm_cancel"), key="adm_cancel"):
        st.session_state.pop(PENDING, None)
        st.rerun()
    if not cols[0].button(t("adm_confirm"), key="adm_confirm", type="primary"):
        return
    st.session_state.pop(PENDING, None)
    off = auth.office()
    try:
        if action == "role":
            off.set_role(actor, name, role)
        elif action in ("disable", "enable"):
            off.set_disabled(actor, name, action == "disable")
        else:
            off.set_password(actor, name, pending["password"])
    except GeoError as exc:
        st.error(md(exc))
        return
    st.success(t("adm_done"))


def users_section(actor: Actor) -> None:
    st.subheader(t("adm_users"))
    users = auth.office().users(actor)
    if not users:
        st.info(t("adm_no_users"))
    else:
        st.dataframe(
            pd.DataFrame({
                t("adm_col_name"): [u.name for u in users],
                t("adm_role"): [_role_label(u.role) for u in users],
                t("adm_col_disabled"): [u.disabled for u in users],
                t("adm_col_created"): [auth.when(u.created_at) for u in users],
            }),
            hide_index=True, key="adm_users_table",
        )
    add_user_form(actor)
    if users:
        change_user_form(actor, [u.name for u in users])


def _restore(uid: str) -> None:
    actor = auth.current()
    if actor is not None:
        try:
            auth.office().restore(actor, uid)
        except GeoError as exc:
            st.session_state["adm_error"] = error_text(exc)


def deleted_section(actor: Actor) -> None:
    deleted = auth.office().uploads(actor, deleted=True)
    if not deleted:
        return
    st.subheader(t("off_deleted", n=len(deleted)))
    for u in deleted:
        c = st.columns([4, 3, 3, 2])
        c[0].text(u.name)
        c[1].text(t("off_owner", owner=u.owner or t("off_nobody"), when=auth.when(u.saved_at)))
        c[2].text(t("off_deleted_by", by=u.deleted_by or t("off_nobody"), when=auth.when(u.deleted_at)))
        c[3].button(t("off_restore"), key=f"adm_restore_{u.upload_id}", on_click=_restore, args=(u.upload_id,))


def audit_section(actor: Actor) -> None:
    st.subheader(t("adm_audit"))
    st.caption(t("adm_audit_help"))
    if st.button(t("adm_verify"), key="adm_verify", help=t("adm_verify_help")):
        verdict, unguarded = auth.office().verify_audit(actor)
        (st.success if verdict.intact else st.error)(t("adm_verified" if verdict.intact else "adm_tampered"))
        st.text(verdict.line(lang()))  # in the session's language (the trail records the English)
        if unguarded:
            st.warning(t("adm_unguarded"))
            st.text(", ".join(unguarded))
    events = list(reversed(auth.office().audit(actor, limit=AUDIT_ROWS)))
    actions = sorted({e.action for e in events}, key=audit_words.action)
    only = st.multiselect(t("adm_actions"), actions, placeholder=t("aud_actions_placeholder"), key="adm_actions",
                          format_func=bind(actions, audit_words.action))
    shown = [e for e in events if not only or e.action in only]
    st.dataframe(
        pd.DataFrame({
            t("adm_col_at"): [auth.when(e.at, seconds=True) for e in shown],
            t("adm_col_user"): [e.user or "—" for e in shown],
            t("adm_col_action"): [audit_words.action(e.action) for e in shown],
            t("adm_col_object"): [audit_words.subject(e.object, e.detail) for e in shown],
            t("adm_col_detail"): [audit_words.detail(e.detail) for e in shown],
        }),
        hide_index=True, key="adm_audit_table",
    )


actor = auth.gate()
st.title(t("adm_title"))
if actor.role != "admin":
    with contextlib.suppress(GeoError):
        auth.office().users(actor)  # refused, and the refusal recorded
    st.error(t("adm_not_allowed"))
    st.stop()
error = st.session_state.pop("adm_error", None)
if error:
    st.error(md(error))
try:
    users_section(actor)
    deleted_section(actor)
    audit_section(actor)
except GeoError as exc:
    st.error(md(exc))
