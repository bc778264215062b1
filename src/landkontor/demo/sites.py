"""The demo's three sites: what storage each has and which item groups it keeps."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SiteSpec:
    code: str
    name: str
    address: str
    silos: int
    flat_boxes: int
    aisles: int
    racks: int
    bins: int
    fertiliser_boxes: int
    psm_bins: int
    mill: bool  # has the compound feed mill (production)
    groups: frozenset[str] = field(default_factory=frozenset)  # item groups it keeps


_ALL_TRADE = frozenset(
    {
        "Getreide",
        "Ölsaaten",
        "Mineralfutter",
        "Mischfutter",
        "Düngemittel",
        "Saatgut",
        "Pflanzenschutz",
        "Betriebsbedarf",
        "Futtermittel-Rohware",
    }
)

SITES = [
    SiteSpec(
        "LIN",
        "Standort Lindenau (Hauptsitz, Mischfutterwerk)",
        "Bahnhofstraße 12\n29386 Lindenau",
        silos=12,
        flat_boxes=6,
        aisles=3,
        racks=3,
        bins=2,
        fertiliser_boxes=6,
        psm_bins=8,
        mill=True,
        groups=_ALL_TRADE,
    ),
    SiteSpec(
        "NOR",
        "Standort Nordheide",
        "Am Speicher 3\n21271 Nordheide",
        silos=8,
        flat_boxes=0,
        aisles=2,
        racks=2,
        bins=2,
        fertiliser_boxes=4,
        psm_bins=4,
        mill=False,
        groups=_ALL_TRADE - {"Futtermittel-Rohware"},
    ),
    SiteSpec(
        "WEI",
        "Standort Weidenbrück",
        "Raiffeisenweg 7\n27330 Weidenbrück",
        silos=6,
        flat_boxes=0,
        aisles=2,
        racks=2,
        bins=2,
        fertiliser_boxes=4,
        psm_bins=4,
        mill=False,
        groups=_ALL_TRADE - {"Futtermittel-Rohware", "Mischfutter"},
    ),
]
