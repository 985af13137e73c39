"""清分结算管理中心: identities and credentials, admission, data-use supervision, the audit log."""
