"""清分结算业务中心 — the hospital-facing use cases of the medical-insurance domain: person query,
registration/admission, fee upload, pre-settlement, settlement, reversal, discharge, reconciliation.
Each public function is one unit of work."""
