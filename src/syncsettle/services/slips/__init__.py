"""Settlement slips (结算单): the medical-insurance slip and the commercial slip of a settlement,
signed by the platform (SM2 over canonical JSON) and verifiable by anyone at ``/verify``."""
