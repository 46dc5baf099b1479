"""Labels of the office: sign-in, accounts, the workspace panel's ownership, the admin page."""

LABELS: dict[str, tuple[str, str]] = {
    "auth_title": ("登录", "Sign in"),
    "auth_intro": (
        "本服务器上的工作区设有账户：请用您的账户登录。",
        "This server's workspace has accounts: sign in with yours.",
    ),
    "auth_name": ("用户名", "User name"),
    "auth_password": ("密码", "Password"),
    "auth_sign_in": ("登录", "Sign in"),
    "auth_expired": ("会话已过期，请重新登录。", "Your session has expired: please sign in again."),
    "auth_signed_in": ("已登录：{name}（{role}）", "Signed in as {name} ({role})"),
    "auth_single_user": (
        "单用户模式：尚未设置账户，所有人都可以保存与更改。",
        "Single-user mode: no accounts yet, everyone may save and change.",
    ),
    "auth_sign_out": ("退出登录", "Sign out"),
    "auth_ended": (
        "您的账户已更改（密码、角色或停用），会话已结束，请重新登录。",
        "Your account was changed (password, role or disabled): the session has ended, please sign in again.",
    ),
    "auth_setup_title": ("首次设置：尚无账户", "First run: no accounts yet"),
    "auth_setup_intro": (
        ("本服务器对其他计算机开放，但工作区还没有账户，因此暂不能查看或更改任何数据。"
        "请服务器管理员在服务器上用命令行创建第一个管理员账户，然后刷新本页并登录。"),
        ("This server is open to other computers but its workspace has no account yet, so nothing can be viewed "
        "or changed. The server's operator creates the first administrator with the command line on the "
        "server; then reload this page and sign in."),
    ),
    "auth_setup_commands": (
        ("python -m geo db init                       # 新工作区（已有工作区则不必）\n"
        "python -m geo users add 管理员名 --role admin   # 输入两次密码（至少 10 个字符）"),
        ("python -m geo db init                       # a new workspace (not needed for an existing one)\n"
        "python -m geo users add ADMIN_NAME --role admin   # type the password twice (10+ characters)"),
    ),
    "auth_setup_single": (
        ("只在本机使用时，以 --server.address localhost 启动（./run.sh 的默认设置），"
         "或设置 GEO_SINGLE_USER=1，即为单用户模式。"),
        ("For use on this machine only, start with --server.address localhost (./run.sh's default) or set "
        "GEO_SINGLE_USER=1: single-user mode."),
    ),
    "auth_no_forwarded": (
        ("无法登录：请求来自受信任的反向代理，但其未发送 X-Forwarded-For 请求头。"
         "请管理员配置代理发送该请求头（见 {var}）。"),
        ("Sign-in refused: the request comes through a trusted reverse proxy that sends no X-Forwarded-For "
        "header. Ask the operator to configure the proxy to send it (see {var})."),
    ),
    "auth_change_password": ("修改密码", "Change password"),
    "auth_current_password": ("当前密码", "Current password"),
    "auth_password_changed": (
        "密码已修改；此账户的其他会话已结束。",
        "Password changed; the account's other sessions have ended.",
    ),
    "auth_oidc_sign_in": ("使用单点登录", "Sign in with single sign-on"),
    "auth_oidc_unknown": (
        "单点登录身份 {name} 在本工作区没有启用的账户，请联系管理员。",
        "The single sign-on identity {name} has no enabled account in this workspace: ask an administrator.",
    ),
    "role_viewer": ("查看者", "viewer"),
    "role_checker": ("核查员", "checker"),
    "role_admin": ("管理员", "admin"),
    "nav_admin": ("管理", "Admin"),
    "off_save": ("保存到工作区", "Save to the workspace"),
    "off_save_help": (
        "保存后，团队成员可以在工作区中查看此次核查；只有您和管理员可以删除或启用它。",
        ("Once saved, the team can open this check in the workspace; "
         "only you and administrators can delete or switch it."),
    ),
    "off_saved": ("已保存到工作区（编号 {uid}）。", "Saved to the workspace (id {uid})."),
    "off_viewer": (
        "您是查看者：可以查看团队已保存的核查，但不能上传或保存。",
        "You are a viewer: you can open the team's saved checks but not upload or save.",
    ),
    "off_owner": ("{owner} · {when}", "{owner} · {when}"),
    "off_nobody": ("（无主）", "(no owner)"),
    "off_in_use": ("正在使用实测几何", "surveyed geometry in use"),
    "off_not_in_use": ("未使用", "not in use"),
    "off_use_on": ("启用实测几何", "Use surveyed geometry"),
    "off_use_off": ("停用实测几何", "Stop using surveyed geometry"),
    "off_deleted": ("已删除的上传（{n}，可恢复）", "Deleted uploads ({n}, can be restored)"),
    "off_restore": ("恢复", "Restore"),
    "off_deleted_by": ("{by} 于 {when} 删除", "deleted by {by} on {when}"),
    "off_workspace_kept": (
        "团队共享，保存在服务器的工作区中（刷新或重启后仍在）；时间为北京时间。",
        "Shared by the team, kept in the server's workspace (across reloads and restarts); times are China time.",
    ),
    "off_workspace_empty": (
        "工作区为空：核查文件后点击「保存到工作区」，结果会保存在这里。",
        "The workspace is empty: check a file, then click “Save to the workspace” to keep it here.",
    ),
    "adm_title": ("管理", "Administration"),
    "adm_not_allowed": ("只有管理员可以打开此页。", "Only administrators can open this page."),
    "adm_users": ("账户", "Accounts"),
    "adm_no_users": (
        "尚无账户：应用以单用户模式运行。添加第一个管理员账户后，每个页面都需要登录。",
        "No accounts yet: the app runs single-user. Once you add the first administrator, every page needs a sign-in.",
    ),
    "adm_add": ("添加账户", "Add an account"),
    "adm_role": ("角色", "Role"),
    "adm_password_again": ("再次输入密码", "Password again"),
    "adm_passwords_differ": ("两次输入的密码不同。", "The two passwords differ."),
    "adm_added": ("已添加 {name}。", "Added {name}."),
    "adm_change": ("更改账户", "Change an account"),
    "adm_user": ("账户", "Account"),
    "adm_set_role": ("设置角色", "Set role"),
    "adm_disable": ("停用", "Disable"),
    "adm_enable": ("启用", "Enable"),
    "adm_new_password": ("新密码", "New password"),
    "adm_set_password": ("设置密码", "Set password"),
    "adm_done": ("已更改。", "Done."),
    "adm_choose_user": ("选择账户", "Choose an account"),
    "adm_choose_role": ("选择角色", "Choose a role"),
    "adm_choose_first": ("请先选择账户（设置角色时还需选择角色）。",
                         "Choose an account first (and a role, to set one)."),
    "adm_confirm_role": ("确认将 {name} 的角色设为「{role}」？其已登录的会话将结束。",
                         "Set the role of {name} to “{role}”? Their open sessions will end."),
    "adm_confirm_disable": ("确认停用 {name}？其将无法登录，已登录的会话将结束。",
                            "Disable {name}? They can no longer sign in and their open sessions end."),
    "adm_confirm_enable": ("确认启用 {name}？", "Enable {name}?"),
    "adm_confirm_password": ("确认为 {name} 设置新密码？其已登录的会话将结束。",
                             "Set a new password for {name}? Their open sessions will end."),
    "adm_verify": ("验证审计记录", "Verify the audit trail"),
    "adm_verify_help": (
        "按哈希链逐条检查：任何被删除、修改、插入或调换顺序的记录都会被指出（本次验证也会被记录）。",
        ("Checks the hash chain event by event: any deleted, altered, inserted or reordered event is named "
        "(the check itself is recorded)."),
    ),
    "adm_verified": ("审计记录完整。", "The audit trail is intact."),
    "adm_tampered": (
        "审计记录在应用之外被更改：请查明谁能写入数据库，并与更早的备份比对。",
        ("The audit trail was changed outside the application: find out who could write to the database and "
        "compare with an earlier dump."),
    ),
    "adm_unguarded": (
        "审计表的保护触发器缺失或被改动：请在服务器上运行 python -m geo db init 恢复。",
        "The audit table's protecting triggers are missing or changed: run python -m geo db init on the server.",
    ),
    "adm_confirm": ("确认", "Confirm"),
    "adm_cancel": ("取消", "Cancel"),
    "adm_audit": ("审计记录", "Audit trail"),
    "adm_audit_help": (
        "每次登录（成功或失败）、保存、启用/停用、删除、恢复、拒绝与账户更改，按时间倒序；记录只能追加。",
        ("Every sign-in (ok or failed), save, switch, delete, restore, refusal and account change, newest first; "
         "the trail can only be appended to."),
    ),
    "adm_actions": ("只看这些操作", "Only these actions"),
    "adm_col_at": ("时间（北京时间）", "Time (Beijing time)"),
    "adm_col_user": ("用户", "User"),
    "adm_col_action": ("操作", "Action"),
    "adm_col_object": ("对象", "Object"),
    "adm_col_detail": ("详情", "Detail"),
    "adm_col_name": ("名称", "Name"),
    "adm_col_disabled": ("已停用", "Disabled"),
    "adm_col_created": ("创建时间（北京时间）", "Created (Beijing time)"),
}
