"""商业保险服务中心: product filing, enrollment and underwriting, consent, routes, quick claims."""
