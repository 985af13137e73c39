"""The console's navigation: every page registers its own entry, for the roles that may open it.

A page is a route + a template + a nav entry, all in one module under ``pages/`` (found
automatically, like the CLI's command modules)::

    # pages/consents.py
    def register(router: APIRouter) -> None:
        nav.register(nav.Entry("/console/consents", "我的授权", frozenset({Role.INSURED}), section="我的", order=30))

        @router.get("/console/consents", response_class=HTMLResponse)
        def consents(request: Request, principal: Principal = Depends(page(Role.INSURED))) -> HTMLResponse:
            return render(request, "consents.html", {"rows": ...})

Sections, in the order the menu shows them, and the pages the other areas are expected to add
(slots, not pages: nothing is shown for them until a module registers an entry):

- 总览: 运营总览 (operator, regulator) — here.
- 医院: 本院结算 (hospital) — here; 对账结果 (hospital) — clearing.
- 我的: 我的保单与结算 (insured) — here; 我的授权 grant/revoke and 谁用了我的数据 (insured) — commercial
  centre.
- 结算: 待结商保与快赔, pending legs and quick claims (operator, insurer) — routes/pending legs.
- 商保: 产品备案审核 filing review queue (regulator); 我的产品、参保、理赔、赔付率、对账单 (insurer);
  准备金告警 reserve alarms (operator, regulator) — commercial centre, clearing.
- 清分对账: 清分窗口 clearing windows, 对账结果 (operator) — clearing.
- 监管: 数据使用监测 data-use monitoring (regulator, operator); 风险复核 risk review queue (operator,
  regulator, insurer) — commercial centre, risk.
"""

from __future__ import annotations

from dataclasses import dataclass
from threading import Lock

from syncsettle.domain.identity import Role

SECTIONS = ("总览", "医院", "我的", "结算", "商保", "清分对账", "监管")


@dataclass(frozen=True, slots=True)
class Entry:
    """A menu entry: the page's path, its label, the roles that see it, its section and rank there."""

    path: str
    label: str
    roles: frozenset[Role]
    section: str = "总览"
    order: int = 100

    def __post_init__(self) -> None:
        if self.section not in SECTIONS:
            raise ValueError(f"unknown nav section {self.section!r}; one of {SECTIONS}")
        object.__setattr__(self, "roles", frozenset(self.roles))


_ENTRIES: dict[str, Entry] = {}
_LOCK = Lock()


def register(entry: Entry) -> None:
    """Add (or replace, by path) a menu entry."""
    with _LOCK:
        _ENTRIES[entry.path] = entry


def entries_for(role: Role) -> list[tuple[str, list[Entry]]]:
    """The menu of a role: ``(section, entries)`` in section order, entries by ``order`` then label."""
    with _LOCK:
        mine = [e for e in _ENTRIES.values() if role in e.roles]
    return [
        (section, sorted((e for e in mine if e.section == section), key=lambda e: (e.order, e.label)))
        for section in SECTIONS
        if any(e.section == section for e in mine)
    ]


def home(role: Role) -> str:
    """Where a role lands after logging in: its first menu entry, else the console's home page."""
    menu = entries_for(role)
    return menu[0][1][0].path if menu else "/console"
