"""Invented partners of the demo: suppliers, and the parts farm and company names are
made of (common German surnames, made-up villages and streets)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SupplierSpec:
    supplier_no: str
    name: str
    street: str
    postal_code: str
    city: str
    kinds: tuple[str, ...]
    payment_days: int = 30
    cash_discount: tuple[str, int] | None = None  # (percent, days)


SUPPLIERS = [
    SupplierSpec(
        "70001",
        "Erzeugergemeinschaft Heideland w. V.",
        "Kornweg 4",
        "29549",
        "Bad Heideland",
        ("grain",),
    ),
    SupplierSpec(
        "70002",
        "Getreidekontor Elbmarsch GmbH",
        "Hafenstraße 21",
        "21680",
        "Elbmarsch",
        ("grain",),
        14,
    ),
    SupplierSpec(
        "70003", "Ölmühle Weserbergland GmbH", "Mühlenstraße 2", "37603", "Weserau", ("feed",), 14
    ),
    SupplierSpec(
        "70004",
        "Proteinhandel Hansa GmbH & Co. KG",
        "Speicherstadt 9",
        "20457",
        "Hansestadt",
        ("feed",),
        10,
    ),
    SupplierSpec(
        "70005", "Zuckerfabrik Börde AG", "Fabrikstraße 1", "39387", "Bördedorf", ("feed",), 30
    ),
    SupplierSpec(
        "70006",
        "Mineralfutterwerk Solling GmbH",
        "Industriestraße 14",
        "37170",
        "Sollingen",
        ("mineral",),
        30,
        ("2", 10),
    ),
    SupplierSpec(
        "70007", "Vormischungen Nord GmbH", "Gewerbering 8", "26789", "Leerhafen", ("mineral",), 30
    ),
    SupplierSpec(
        "70008",
        "Stickstoffwerk Elbaue AG",
        "Werkstraße 100",
        "06886",
        "Elbaue",
        ("fertiliser",),
        30,
    ),
    SupplierSpec(
        "70009",
        "Düngerkontor Niederrhein GmbH",
        "Rheinallee 55",
        "47441",
        "Rheinfeld",
        ("fertiliser",),
        30,
        ("1.5", 14),
    ),
    SupplierSpec(
        "70010", "Kalkwerk Ith GmbH", "Steinbruch 1", "37627", "Ithdorf", ("fertiliser",), 30
    ),
    SupplierSpec(
        "70011", "Saatzucht Hohenheide KG", "Zuchtgarten 3", "29303", "Hohenheide", ("seed",), 60
    ),
    SupplierSpec(
        "70012", "Maissaaten Süd GmbH", "Feldweg 17", "77694", "Kehlingen", ("seed",), 60, ("3", 30)
    ),
    SupplierSpec(
        "70013", "Gräserzucht Marsch GmbH", "Deichweg 6", "25813", "Marschhusen", ("seed",), 30
    ),
    SupplierSpec(
        "70014",
        "Agrochemie Rhein-Main GmbH",
        "Chemiepark 12",
        "65929",
        "Mainfeld",
        ("psm",),
        60,
        ("2", 20),
    ),
    SupplierSpec(
        "70015",
        "Pflanzenschutz Vertrieb Mitte GmbH",
        "Lagerstraße 30",
        "34123",
        "Kasselfeld",
        ("psm",),
        45,
    ),
    SupplierSpec(
        "70016",
        "Landtechnik-Bedarf Hollmann KG",
        "Handwerkerhof 5",
        "49393",
        "Lohmühlen",
        ("goods",),
        30,
    ),
    SupplierSpec(
        "70017", "Folienwerk Emsland GmbH", "Am Kanal 44", "49716", "Emsdorf", ("goods",), 30
    ),
    SupplierSpec(
        "70018",
        "Agrarhandel Ostholstein GmbH",
        "Marktplatz 2",
        "23701",
        "Holsteinfelde",
        ("grain", "feed"),
        21,
    ),
]

# Common German surnames and made-up villages: farm names like "Hof Behrens GbR".
SURNAMES = [
    "Meyer",
    "Müller",
    "Schulz",
    "Brandt",
    "Behrens",
    "Hoppe",
    "Wilkens",
    "Bruns",
    "Lüdemann",
    "Heitmann",
    "Rademacher",
    "Tiedemann",
    "Köhler",
    "Wiebe",
    "Hinrichs",
    "Peters",
    "Jansen",
    "Ahrens",
    "Voß",
    "Brinkmann",
    "Dierks",
    "Gerdes",
    "Harms",
    "Lange",
    "Otten",
    "Stelling",
    "Thies",
    "Warnecke",
    "Bartels",
    "Cordes",
    "Evers",
    "Fricke",
    "Garbers",
    "Hülsmann",
    "Intemann",
    "Klindworth",
    "Lohmann",
    "Mahnke",
    "Nordmann",
    "Oelkers",
    "Precht",
    "Quast",
    "Riggers",
    "Seebeck",
    "Tamke",
    "Ulrichs",
    "Vieth",
    "Wendt",
    "Zobel",
    "Albers",
]
VILLAGES = [
    ("29386", "Lindenau"),
    ("29389", "Altenmoor"),
    ("29391", "Heidhausen"),
    ("29393", "Brückenfeld"),
    ("21271", "Nordheide"),
    ("21274", "Wiesendorf"),
    ("21279", "Eichholz"),
    ("27330", "Weidenbrück"),
    ("27333", "Birkenhain"),
    ("27336", "Moorwinkel"),
    ("27339", "Sandhorst"),
    ("29399", "Krähenwinkel"),
    ("21266", "Jesteburg-Ost"),
    ("27321", "Thedinghausen-Süd"),
    ("29394", "Grünhagen"),
]
STREETS = [
    "Dorfstraße",
    "Hauptstraße",
    "Am Moor",
    "Feldweg",
    "Lindenweg",
    "Zum Sportplatz",
    "Heideweg",
    "Wiesenstraße",
    "Kirchweg",
    "Am Bach",
    "Birkenallee",
    "Alte Dorfstraße",
]
FARM_FORMS = [
    "Hof {name}",
    "{name} GbR",
    "Landwirtschaft {name}",
    "Milchhof {name} KG",
    "Gut {village}",
    "Ackerbau {name}",
    "{name} & Söhne GbR",
    "Schweinehaltung {name}",
]
LARGE_CUSTOMERS = [
    "Agrar GmbH Hohenwerder",
    "Milchgut Elbtal KG",
    "Schweinezucht Vierlinden GmbH",
    "Geflügelhof Sonnenwiese GmbH & Co. KG",
    "Agrargenossenschaft Auenland eG",
    "Rinderhof Steinfurt GmbH",
    "Ferkelerzeugung Moorhof GmbH",
    "Biogas und Ackerbau Heidekamp GmbH",
    "Landgut Rosenthal KG",
    "Putenmast Wiesengrund GmbH",
    "Agrarbetrieb Buchholz-Nord GmbH",
    "Milchviehanlage Eichenhorst eG",
]
RESELLERS = [
    "Landmarkt Heidekrug GmbH",
    "Tierbedarf Kessler e. K.",
    "Gartencenter Grünzeug GmbH",
    "Reitsportcenter Weidenhof GmbH",
    "Hofladen-Großhandel Nord GmbH",
    "Agrarhandel Thedinghausen GmbH",
    "Futterhaus Am Markt e. K.",
    "Baumschule und Gartenbedarf Lüders KG",
    "Landhandel Südheide GmbH",
    "Pferdesport Lindenau e. K.",
]
