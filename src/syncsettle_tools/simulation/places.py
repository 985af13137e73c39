"""The demo's hospitals: each level in each insured region (names modelled on real institutions;
codes ``H<region><serial>`` as ``fixmedins_code``)."""

from __future__ import annotations

from syncsettle_tools.simulation.population import ULANQAB, YANTAI

HOSPITALS: dict[str, dict[str, tuple[str, ...]]] = {
    YANTAI: {
        "3": ("烟台毓璜顶医院", "烟台山医院", "滨州医学院烟台附属医院", "烟台市中医医院"),
        "2": ("烟台市芝罘区医院", "烟台市福山区人民医院", "烟台市牟平区人民医院", "烟台市莱山区人民医院"),
        "1": ("芝罘区世回尧街道社区卫生服务中心", "莱山区黄海路街道社区卫生服务中心",
              "福山区清洋街道社区卫生服务中心", "牟平区宁海街道社区卫生服务中心"),
    },
    ULANQAB: {
        "3": ("乌兰察布市中心医院", "乌兰察布市中蒙医院", "乌兰察布市第三医院"),
        "2": ("集宁区医院", "丰镇市医院", "卓资县医院"),
        "1": ("集宁区桥西社区卫生服务中心", "集宁区桥东社区卫生服务中心", "丰镇市新城区卫生院"),
    },
}  # fmt: skip


def hospital_list() -> list[tuple[str, str, str, str]]:
    """``(fixmedins_code, name, level, region)`` of every demo hospital, in a fixed order."""
    out = []
    for region, levels in HOSPITALS.items():
        serial = 0
        for level in ("3", "2", "1"):
            for name in levels[level]:
                serial += 1
                out.append((f"H{region}{serial:05d}", name, level, region))
    return out
