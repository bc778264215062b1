"""The items of the demo Landhandel and the recipes of its compound feeds.

Everything here is invented: company and farm names are built from common German surnames
and made-up place names, products and varieties carry made-up brand names. Prices are net
EUR per base unit and in the range a Landhandel sees; quantities of a typical sale and of a
purchase lot give the simulation its sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from landkontor.catalog.models import VatCategory

D = Decimal
STANDARD, REDUCED = VatCategory.standard, VatCategory.reduced

# Storage kinds: where an item lies in a site (see SITES).
SILO, FLAT, BAGS, FERTILISER, PSM, GOODS, OUTPUT = (
    "silo",
    "flat",
    "bags",
    "fertiliser",
    "psm",
    "goods",
    "output",
)


@dataclass(frozen=True)
class Pack:
    code: str
    name: str
    factor: Decimal  # base units in one pack


@dataclass(frozen=True)
class ItemSpec:
    item_no: str
    name: str
    group: str
    unit: str  # base unit
    cost: Decimal  # purchase price, EUR per base unit
    price: Decimal  # list price (item base price), EUR per base unit
    vat: VatCategory
    storage: str
    lot: Decimal  # a purchase lot in the base unit (a truck, a pallet)
    sale_unit: str  # the unit customers order in (a pack code or a unit)
    sale_factor: Decimal  # base units in one sale unit
    sale_range: tuple[int, int]  # a typical order line, in sale units
    batch_managed: bool = True
    shelf_life_days: int | None = None
    packs: tuple[Pack, ...] = ()
    supplier_kind: str = ""
    core: bool = False  # needed by every scale (recipe components, the demo's special cases)
    species: str = ""  # compound feed: which recipe template
    protein: int = 0  # compound feed: crude protein %, varies the recipe


SACK25 = Pack("SACK25", "Sack 25 kg", D(25))
BIGBAG600 = Pack("BB600", "Big Bag 600 kg", D(600))


def _grain() -> list[ItemSpec]:
    rows = [
        # no, name, cost €/t, core
        ("10001", "Weizen E (Eliteweizen)", "238", False),
        ("10002", "Weizen A (Qualitätsweizen)", "226", False),
        ("10003", "Weizen B (Brotweizen)", "214", False),
        ("10004", "Futterweizen", "198", True),
        ("10005", "Futtergerste (Wintergerste)", "182", True),
        ("10006", "Braugerste (Sommergerste)", "236", False),
        ("10007", "Roggen", "172", False),
        ("10008", "Triticale", "178", False),
        ("10009", "Hafer", "205", True),
        ("10010", "Körnermais", "192", True),
        ("10011", "Dinkel (Vesen)", "262", False),
        ("10012", "Raps (00-Qualität)", "452", False),
        ("10013", "Sonnenblumenkerne", "418", False),
        ("10014", "Sojabohnen (GVO-frei)", "435", False),
        ("10015", "Ackerbohnen", "262", False),
        ("10016", "Futtererbsen", "248", False),
    ]
    return [
        ItemSpec(
            item_no=no,
            name=name,
            group="Ölsaaten" if int(no) >= 10012 else "Getreide",
            unit="t",
            cost=D(cost),
            price=(D(cost) * D("1.08")).quantize(D("0.01")),
            vat=REDUCED,
            storage=SILO,
            lot=D(25),
            sale_unit="t",
            sale_factor=D(1),
            sale_range=(2, 24),
            shelf_life_days=540,
            supplier_kind="grain",
            core=core,
        )
        for no, name, cost, core in rows
    ]


def _feed_materials() -> list[ItemSpec]:
    rows = [
        ("20001", "Sojaextraktionsschrot 44 %", "t", "412", True),
        ("20002", "Sojaextraktionsschrot 48 % HP", "t", "448", True),
        ("20003", "Rapsextraktionsschrot", "t", "298", True),
        ("20004", "Sonnenblumenextraktionsschrot", "t", "276", False),
        ("20005", "Weizenkleie", "t", "196", True),
        ("20006", "Maiskleberfutter", "t", "224", False),
        ("20007", "Trockenschnitzel pelletiert", "t", "248", True),
        ("20008", "Zuckerrübenmelasse", "t", "215", True),
        ("20009", "Rapsöl (Futteröl)", "t", "1080", True),
        ("20010", "Futterkalk (kohlensaurer Kalk)", "kg", "0.12", True),
        ("20011", "Viehsalz", "kg", "0.16", False),
    ]
    specs = []
    for no, name, unit, cost, core in rows:
        in_kg = unit == "kg"
        specs.append(
            ItemSpec(
                item_no=no,
                name=name,
                group="Futtermittel-Rohware",
                unit=unit,
                cost=D(cost),
                price=(D(cost) * D("1.12")).quantize(D("0.0001") if in_kg else D("0.01")),
                vat=REDUCED,
                storage=BAGS if in_kg else FLAT,
                lot=D(2000) if in_kg else D(24),
                sale_unit="SACK25" if in_kg else "t",
                sale_factor=D(25) if in_kg else D(1),
                sale_range=(4, 40) if in_kg else (1, 12),
                shelf_life_days=365,
                packs=(SACK25,) if in_kg else (),
                supplier_kind="feed",
                core=core,
            )
        )
    return specs


def _mineral_feed() -> list[ItemSpec]:
    rows = [
        ("30001", "Mineralvormischung Rind", "1.35", True),
        ("30002", "Mineralvormischung Schwein", "1.42", True),
        ("30003", "Mineralvormischung Geflügel", "1.48", True),
        ("30004", "Rindermineral 20/5 mit Se", "1.18", False),
        ("30005", "Milchvieh-Mineral 12/8 + Vit. E", "1.32", True),
        ("30006", "Trockensteher-Mineral", "1.44", False),
        ("30007", "Kälbermineral mit Lebendhefe", "1.86", False),
        ("30008", "Jungrinder-Mineral 18/4", "1.06", False),
        ("30009", "Mastbullen-Mineral 20/2", "1.02", False),
        ("30010", "Schweinemast-Mineral 4 %", "1.24", False),
        ("30011", "Sauenmineral tragend/säugend", "1.38", False),
        ("30012", "Ferkel-Mineral mit Säuren", "1.92", False),
        ("30013", "Geflügelmineral Legehennen", "1.16", False),
        ("30014", "Schaf- und Ziegenmineral (kupferarm)", "1.28", False),
        ("30015", "Pferdemineral Pellets", "2.14", False),
        ("30016", "Weidemineral Magnesium 12 %", "1.12", False),
        ("30017", "Leckmasse Rind (Eimer 20 kg)", "1.64", False),
        ("30018", "Hefe-Ergänzer Milchvieh", "2.36", False),
        ("30019", "Bierhefe getrocknet", "1.96", False),
        ("30020", "Propylenglykol-Pellets Ketoseprophylaxe", "2.48", False),
        ("30021", "Pansenpuffer Natriumbicarbonat", "0.72", False),
        ("30022", "Ziegenmineral mit Kupfer", "1.34", False),
        ("30023", "Wildmineral Leckstein", "1.12", False),
    ]
    return [
        ItemSpec(
            item_no=no,
            name=name,
            group="Mineralfutter",
            unit="kg",
            cost=D(cost),
            price=(D(cost) * D("1.25")).quantize(D("0.0001")),
            vat=REDUCED,
            storage=BAGS,
            lot=D(3000),
            sale_unit="SACK25",
            sale_factor=D(25),
            sale_range=(2, 40),
            shelf_life_days=730,
            packs=(SACK25, BIGBAG600),
            supplier_kind="mineral",
            core=core,
        )
        for no, name, cost, core in rows
    ]


def _compound_feed() -> list[ItemSpec]:
    rows = [
        # no, name, species, protein, price €/dt, core
        ("40001", "Milchleistungsfutter 18/3", "cattle", 18, "36.50", True),
        ("40002", "Milchleistungsfutter 20/4", "cattle", 20, "38.90", False),
        ("40003", "Milchleistungsfutter 16/3 Mais-Ausgleich", "cattle", 16, "34.20", False),
        ("40004", "Eiweißausgleichsfutter 38/3", "cattle", 38, "44.80", False),
        ("40005", "Kälberaufzuchtfutter", "cattle", 19, "41.20", False),
        ("40006", "Jungrinder-Aufzuchtfutter", "cattle", 17, "33.90", False),
        ("40007", "Rindermastfutter", "cattle", 16, "32.40", False),
        ("40008", "Ferkelaufzuchtfutter I", "pig", 18, "52.60", False),
        ("40009", "Ferkelaufzuchtfutter II", "pig", 17, "46.30", False),
        ("40010", "Schweinemast-Vormastfutter", "pig", 17, "34.80", True),
        ("40011", "Schweinemast-Mittelmastfutter", "pig", 16, "33.10", False),
        ("40012", "Schweinemast-Endmastfutter", "pig", 15, "31.70", False),
        ("40013", "Sauenfutter tragend", "pig", 14, "33.60", False),
        ("40014", "Sauenfutter säugend", "pig", 17, "36.20", False),
        ("40015", "Legehennen-Alleinfutter", "poultry", 17, "39.40", True),
        ("40016", "Junghennen-Aufzuchtfutter", "poultry", 18, "40.10", False),
        ("40017", "Hähnchenmastfutter", "poultry", 21, "43.70", False),
        ("40018", "Putenmastfutter", "poultry", 22, "45.20", False),
        ("40019", "Geflügel-Körnermischung", "poultry", 12, "35.90", False),
        ("40020", "Pferdemüsli", "horse", 11, "58.40", False),
        ("40021", "Pferdekorn-Mix mit Hafer", "horse", 10, "46.90", False),
        ("40022", "Schaf- und Ziegenfutter", "cattle", 16, "37.80", False),
        ("40023", "Wildfutter-Pellets", "horse", 12, "39.90", False),
    ]
    return [
        ItemSpec(
            item_no=no,
            name=name,
            group="Mischfutter",
            unit="dt",
            cost=(D(price) * D("0.8")).quantize(D("0.01")),
            price=D(price),
            vat=REDUCED,
            storage=OUTPUT,
            lot=D(200),
            sale_unit="SACK25" if species in ("horse", "poultry") else "dt",
            sale_factor=D("0.25") if species in ("horse", "poultry") else D(1),
            sale_range=(8, 80) if species in ("horse", "poultry") else (10, 120),
            shelf_life_days=365,  # pelleted feed; a year so that the whole demo year sells
            packs=(
                Pack("SACK25", "Sack 25 kg", D("0.25")),
                Pack("BB600", "Big Bag 600 kg", D(6)),
            ),
            supplier_kind="",
            core=core,
            species=species,
            protein=protein,
        )
        for no, name, species, protein, price, core in rows
    ]


def _fertiliser() -> list[ItemSpec]:
    rows = [
        ("50001", "Kalkammonsalpeter KAS 27 % N", "318", True),
        ("50002", "Harnstoff 46 % N", "452", False),
        ("50003", "Harnstoff stabilisiert 46 % N", "498", False),
        ("50004", "Schwefelsaures Ammoniak SSA 21 % N + 24 % S", "268", False),
        ("50005", "Ammonsulfatsalpeter ASS 26/13", "342", False),
        ("50006", "Diammonphosphat DAP 18/46", "668", False),
        ("50007", "NP 20/20", "552", False),
        ("50008", "NPK 15/15/15", "512", True),
        ("50009", "NPK 12/12/17 + 2 MgO", "536", False),
        ("50010", "PK 16/16", "398", False),
        ("50011", "Kornkali 40 % K2O + 6 % MgO", "352", False),
        ("50012", "Kali 60 % K2O", "384", False),
        ("50013", "Magnesia-Kainit", "168", False),
        ("50014", "Triplesuperphosphat 46 %", "582", False),
        ("50015", "Kohlensaurer Kalk 85", "42", False),
        ("50016", "Branntkalk körnig", "148", False),
        ("50017", "Ammoniumnitrat-Harnstoff-Lösung AHL 28 %", "296", False),
        ("50018", "Stickstoffdünger stabilisiert 26 % N + 13 % S", "426", False),
        ("50019", "Kieserit 25 % MgO", "286", False),
        ("50020", "Schwefellinsen 90 % S", "612", False),
        ("50021", "Bor-Blattdünger flüssig", "2950", False),
    ]
    return [
        ItemSpec(
            item_no=no,
            name=name,
            group="Düngemittel",
            unit="t",
            cost=D(cost),
            price=(D(cost) * D("1.09")).quantize(D("0.01")),
            vat=STANDARD,
            storage=FERTILISER,
            lot=D(25),
            sale_unit="BB600" if int(no) % 3 == 0 else "t",
            sale_factor=D("0.6") if int(no) % 3 == 0 else D(1),
            sale_range=(2, 20) if int(no) % 3 == 0 else (1, 16),
            batch_managed=False,
            packs=(
                Pack("BB600", "Big Bag 600 kg", D("0.6")),
                Pack("SACK50", "Sack 50 kg", D("0.05")),
            ),
            supplier_kind="fertiliser",
            core=core,
        )
        for no, name, cost, core in rows
    ]


# Invented variety names (no real breeders' varieties).
_VARIETIES = [
    "Nordlicht",
    "Falkenstein",
    "Goldähre",
    "Sturmvogel",
    "Bernstein",
    "Kranich",
    "Morgenrot",
    "Hügelland",
    "Silberfuchs",
    "Ostwind",
    "Kornblume",
    "Lerche",
    "Heidegold",
    "Talisman",
    "Ährenfeld",
    "Wiesental",
]


def _seed() -> list[ItemSpec]:
    crops = [
        # crop, count, unit, cost per base unit, core
        ("Winterweizen Z-Saatgut", 5, "kg", "0.92", True),
        ("Wintergerste Z-Saatgut", 4, "kg", "0.86", False),
        ("Winterroggen Hybrid", 2, "Stk", "128.00", False),
        ("Wintertriticale Z-Saatgut", 2, "kg", "0.84", False),
        ("Sommergerste Z-Saatgut", 2, "kg", "0.94", False),
        ("Hafer Z-Saatgut", 1, "kg", "0.88", False),
        ("Winterraps Hybrid", 3, "Stk", "196.00", False),
        ("Silomais", 4, "Stk", "108.00", False),
        ("Körnermais", 3, "Stk", "116.00", False),
    ]
    specs: list[ItemSpec] = []
    number = 60001
    variety = 0
    for crop, count, unit, cost, core in crops:
        for n in range(count):
            name_variety = _VARIETIES[variety % len(_VARIETIES)]
            variety += 1
            per_unit = unit == "Stk"
            unit_note = {
                "Winterroggen Hybrid": " (Einheit 1 Mio. Körner)",
                "Winterraps Hybrid": " (Einheit 1,5 Mio. Körner)",
            }.get(crop, " (Einheit 50.000 Körner)" if per_unit else "")
            specs.append(
                ItemSpec(
                    item_no=str(number),
                    name=f"{crop} '{name_variety}'{unit_note}",
                    group="Saatgut",
                    unit=unit,
                    cost=D(cost),
                    price=(D(cost) * D("1.18")).quantize(D("0.01")),
                    vat=REDUCED,
                    storage=BAGS,
                    lot=D(60) if per_unit else D(5000),
                    sale_unit=unit if per_unit else "SACK25",
                    sale_factor=D(1) if per_unit else D(25),
                    sale_range=(2, 30) if per_unit else (8, 80),
                    shelf_life_days=540,
                    packs=() if per_unit else (SACK25, Pack("BB500", "Big Bag 500 kg", D(500))),
                    supplier_kind="seed",
                    core=core and n == 0,
                )
            )
            number += 1
    mixtures = [
        ("Zwischenfrucht-Mischung Senf/Ölrettich", "3.40"),
        ("Zwischenfrucht-Mischung Greening Plus", "4.10"),
        ("Grünlandnachsaat Weide", "5.20"),
        ("Grünlandmischung Mähweide", "5.60"),
        ("Kleegras-Mischung", "6.10"),
        ("Blühmischung einjährig", "14.80"),
        ("Ackerbohnen Z-Saatgut", "0.98"),
        ("Futtererbsen Z-Saatgut", "1.02"),
        ("Sojabohnen Z-Saatgut (geimpft)", "1.86"),
    ]
    for name, cost in mixtures:
        specs.append(
            ItemSpec(
                item_no=str(number),
                name=name,
                group="Saatgut",
                unit="kg",
                cost=D(cost),
                price=(D(cost) * D("1.2")).quantize(D("0.01")),
                vat=REDUCED,
                storage=BAGS,
                lot=D(2000),
                sale_unit="SACK25",
                sale_factor=D(25),
                sale_range=(2, 40),
                shelf_life_days=540,
                packs=(SACK25,),
                supplier_kind="seed",
            )
        )
        number += 1
    return specs


def _crop_protection() -> list[ItemSpec]:
    # Invented product names; active ingredients are generic names.
    rows = [
        ("Herbaflor 360", "Herbizid", "Glyphosat 360 g/l", "l", "6.80", True),
        ("Graminex Duo", "Herbizid", "Clodinafop + Pinoxaden", "l", "38.50", False),
        ("Cerecur SC", "Herbizid", "Flufenacet + Diflufenican", "l", "46.20", False),
        ("Rapsolan", "Herbizid", "Metazachlor 500 g/l", "l", "27.90", False),
        ("Maisan Extra", "Herbizid", "Terbuthylazin + Mesotrion", "l", "24.60", False),
        ("Rübenfrei Trio", "Herbizid", "Metamitron + Ethofumesat", "l", "19.80", False),
        ("Weideklar", "Herbizid", "Fluroxypyr + Triclopyr", "l", "31.40", False),
        ("Ackerstar WG", "Herbizid", "Tribenuron-methyl", "kg", "142.00", False),
        ("Fungistar Pro", "Fungizid", "Prothioconazol + Tebuconazol", "l", "52.30", True),
        ("Septorex", "Fungizid", "Fluxapyroxad + Mefentrifluconazol", "l", "68.90", False),
        ("Rostschild", "Fungizid", "Azoxystrobin 250 g/l", "l", "44.70", False),
        ("Halmfest Plus", "Fungizid", "Prochloraz + Proquinazid", "l", "36.10", False),
        ("Krautfäule-Stopp", "Fungizid", "Mandipropamid", "l", "58.40", False),
        ("Rapsgold", "Fungizid", "Boscalid + Dimoxystrobin", "l", "61.20", False),
        ("Aphidol", "Insektizid", "Lambda-Cyhalothrin 100 g/l", "l", "88.30", False),
        ("Käferex", "Insektizid", "Acetamiprid 200 g/kg", "kg", "96.50", False),
        ("Glanzkäfer-Schutz", "Insektizid", "Etofenprox", "l", "42.90", False),
        ("Halmkürzer CCC 720", "Wachstumsregler", "Chlormequat 720 g/l", "l", "4.90", False),
        ("Standfest Duo", "Wachstumsregler", "Trinexapac-ethyl", "l", "33.60", False),
        ("Schneckenkorn 3 %", "Molluskizid", "Metaldehyd 3 %", "kg", "4.20", False),
        ("Schneckenkorn Eisen", "Molluskizid", "Eisen-III-phosphat", "kg", "5.60", False),
        ("Netzmittel Agrohaft", "Zusatzstoff", "Alkoholethoxylat", "l", "9.40", False),
        ("Rapsbeize Protect", "Beizmittel", "Fludioxonil + Metalaxyl-M", "l", "112.00", False),
        ("Getreidebeize Uni", "Beizmittel", "Fludioxonil + Sedaxane", "l", "74.50", False),
        ("Kartoffel-Krautex", "Herbizid", "Pyraflufen-ethyl", "l", "84.00", False),
        ("Unkrautfrei Mais", "Herbizid", "Nicosulfuron 40 g/l", "l", "18.70", False),
        ("Distelstopp", "Herbizid", "Clopyralid 100 g/l", "l", "39.20", False),
        ("Mehltau-Ex", "Fungizid", "Cyflufenamid", "l", "81.60", False),
        ("Ährenschutz Top", "Fungizid", "Prothioconazol + Spiroxamin", "l", "49.80", False),
        ("Blattlaus-frei SC", "Insektizid", "Flonicamid", "kg", "138.00", False),
        ("Gräserstopp Raps", "Herbizid", "Propaquizafop 100 g/l", "l", "29.80", False),
        ("Ackerfuchs Extra", "Herbizid", "Pinoxaden 50 g/l", "l", "41.30", False),
        ("Kamillex", "Herbizid", "Halauxifen + Florasulam", "kg", "212.00", False),
        ("Netzflecken-Stopp", "Fungizid", "Bixafen + Prothioconazol", "l", "57.40", False),
        ("Sklerotinia-Schutz", "Fungizid", "Boscalid 500 g/kg", "kg", "92.60", False),
        ("Kartoffelkäfer-Ex", "Insektizid", "Chlorantraniliprol", "l", "164.00", False),
        ("Rapserdfloh-Stopp", "Insektizid", "Cypermethrin 500 g/l", "l", "36.20", False),
        ("Maiszünsler-Schutz", "Insektizid", "Bacillus thuringiensis", "kg", "48.90", False),
        ("Wurzelfest", "Wachstumsregler", "Mepiquatchlorid + Prohexadion", "l", "22.40", False),
        ("Sikkation Plus", "Herbizid", "Pyraflufen-ethyl 26,5 g/l", "l", "79.50", False),
    ]
    specs = []
    for index, (name, kind, active, unit, cost, core) in enumerate(rows):
        liquid = unit == "l"
        specs.append(
            ItemSpec(
                item_no=str(70001 + index),
                name=f"{name} ({kind}, {active})",
                group="Pflanzenschutz",
                unit=unit,
                cost=D(cost),
                price=(D(cost) * D("1.15")).quantize(D("0.01")),
                vat=STANDARD,
                storage=PSM,
                lot=D(200) if liquid else D(100),
                sale_unit="KAN5" if liquid else "EIM5",
                sale_factor=D(5),
                sale_range=(1, 12),
                shelf_life_days=1095,
                packs=(
                    (Pack("KAN5", "Kanister 5 l", D(5)), Pack("KAN20", "Kanister 20 l", D(20)))
                    if liquid
                    else (Pack("EIM5", "Eimer 5 kg", D(5)), Pack("SACK20", "Sack 20 kg", D(20)))
                ),
                supplier_kind="psm",
                core=core,
            )
        )
    return specs


def _supplies() -> list[ItemSpec]:
    rows = [
        ("Silofolie 12 x 50 m, 150 µm", "189.00"),
        ("Unterziehfolie 12 x 50 m", "62.00"),
        ("Siloschutzgitter 10 x 16 m", "274.00"),
        ("Silosäcke 50 x 60 cm (100 Stück)", "58.00"),
        ("Netzwickel 1,23 x 3600 m", "218.00"),
        ("Bindegarn 130 m/kg, Rolle", "24.50"),
        ("Stretchfolie 750 mm x 1500 m weiß", "98.00"),
        ("Weidezaunlitze 400 m", "36.90"),
        ("Weidezaunpfahl Kunststoff 156 cm", "2.45"),
        ("Weidezaungerät 12 V", "289.00"),
        ("Tränkebecken mit Schwimmer", "64.00"),
        ("Euterpflegesalbe 1 l", "14.20"),
        ("Kälberdecke Gr. M", "42.00"),
        ("AdBlue 10 l Kanister", "12.90"),
        ("Arbeitshandschuhe Nitril (12 Paar)", "18.60"),
        ("Kälbertränkeeimer mit Sauger", "16.80"),
        ("Mineralleckschale", "21.50"),
        ("Heunetz engmaschig", "27.90"),
        ("Stallbesen Kokos", "19.40"),
        ("Melkfett 1 kg Dose", "11.60"),
        ("Ohrmarkenzange", "38.00"),
        ("Viehmarkierungsspray blau", "7.90"),
        ("Hydraulikschlauch 1/2 Zoll, 2 m", "34.50"),
        ("Kettenöl biologisch 5 l", "29.00"),
        ("Siloplane Randstreifen 2 x 50 m", "74.00"),
    ]
    return [
        ItemSpec(
            item_no=str(80001 + index),
            name=name,
            group="Betriebsbedarf",
            unit="Stk",
            cost=D(cost),
            price=(D(cost) * D("1.3")).quantize(D("0.01")),
            vat=STANDARD,
            storage=GOODS,
            lot=D(40) if D(cost) < 100 else D(12),
            sale_unit="Stk",
            sale_factor=D(1),
            sale_range=(1, 10),
            batch_managed=False,
            supplier_kind="goods",
        )
        for index, (name, cost) in enumerate(rows)
    ]


def all_items() -> list[ItemSpec]:
    """Every item of the full demo, by item number."""
    return [
        *_grain(),
        *_feed_materials(),
        *_mineral_feed(),
        *_compound_feed(),
        *_fertiliser(),
        *_seed(),
        *_crop_protection(),
        *_supplies(),
    ]


def items_for(per_group: int | None) -> list[ItemSpec]:
    """The items of a scale: all of them, or the core items plus the first ``per_group``
    of each item group."""
    items = all_items()
    if per_group is None:
        return items
    taken: dict[str, int] = {}
    chosen = []
    for spec in items:
        count = taken.get(spec.group, 0)
        if spec.core or count < per_group:
            chosen.append(spec)
            taken[spec.group] = count + 1
    return chosen


# --- recipes ----------------------------------------------------------------------------
# Components in kg per 1000 kg of compound feed; the item numbers are core items.
RECIPE_TEMPLATES: dict[str, list[tuple[str, int]]] = {
    "cattle": [
        ("10004", 250),
        ("10005", 200),
        ("10010", 100),
        ("20001", 180),
        ("20003", 150),
        ("20007", 80),
        ("20008", 20),
        ("30001", 20),
    ],
    "pig": [
        ("10004", 350),
        ("10005", 300),
        ("10010", 80),
        ("20001", 180),
        ("20009", 20),
        ("20010", 15),
        ("30002", 30),
        ("20005", 25),
    ],
    "poultry": [
        ("10010", 350),
        ("10004", 250),
        ("20002", 250),
        ("20009", 30),
        ("20010", 90),
        ("30003", 30),
    ],
    "horse": [
        ("10009", 400),
        ("10005", 150),
        ("10010", 150),
        ("20005", 150),
        ("20008", 50),
        ("20009", 20),
        ("30001", 30),
        ("20007", 50),
    ],
}
_BASE_PROTEIN = {"cattle": 18, "pig": 16, "poultry": 18, "horse": 11}


def recipe_for(spec: ItemSpec) -> list[tuple[str, int]]:
    """The recipe of a compound feed: its species' template, with 10 kg per protein point
    moved between the first grain and the protein component (sum stays 1000 kg)."""
    lines = list(RECIPE_TEMPLATES[spec.species])
    shift = (spec.protein - _BASE_PROTEIN[spec.species]) * 10
    grain_no, grain_kg = lines[0]
    protein_index = next(i for i, (no, _) in enumerate(lines) if no.startswith("200"))
    protein_no, protein_kg = lines[protein_index]
    shift = max(-protein_kg + 40, min(shift, grain_kg - 40))
    lines[0] = (grain_no, grain_kg - shift)
    lines[protein_index] = (protein_no, protein_kg + shift)
    return lines
