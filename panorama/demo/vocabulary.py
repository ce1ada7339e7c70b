"""The fixed word lists the demo generator draws from: countries, industries, job titles…

Kept apart from the generator so the rules (``accounts.py``, ``contacts.py``) read without
scrolling past data. Everything here is a constant: changing a list or its order changes
the data every seed produces.
"""

from __future__ import annotations

from dataclasses import dataclass


def _split(text: str) -> tuple[str, ...]:
    """A comma-separated list as a tuple: long word lists stay compact and readable."""
    return tuple(word.strip() for word in text.split(",") if word.strip())


@dataclass(frozen=True, slots=True)
class Country:
    """Where an account is headquartered, and what follows from it for generated data."""

    name: str
    weight: int
    locale: str  # the Faker locale its people's names come from
    tld: str
    calling_code: str
    language: str
    cities: tuple[str, ...]
    legal_suffixes: tuple[str, ...]


# name, weight, Faker locale, TLD, calling code, language; then cities and company suffixes.
_COUNTRY_ROWS = (
    ("United States", 36, "en_US", "com", "1", "English"),
    ("United Kingdom", 12, "en_GB", "co.uk", "44", "English"),
    ("Germany", 10, "de_DE", "de", "49", "German"),
    ("France", 9, "fr_FR", "fr", "33", "French"),
    ("Canada", 5, "en_CA", "ca", "1", "English"),
    ("Netherlands", 4, "nl_NL", "nl", "31", "Dutch"),
    ("Spain", 4, "es_ES", "es", "34", "Spanish"),
    ("Australia", 4, "en_AU", "com.au", "61", "English"),
    ("Italy", 3, "it_IT", "it", "39", "Italian"),
    ("Sweden", 3, "sv_SE", "se", "46", "Swedish"),
    ("India", 3, "en_IN", "in", "91", "English"),
    ("Ireland", 2, "en_IE", "ie", "353", "English"),
    ("Switzerland", 2, "de_CH", "ch", "41", "German"),
    ("Denmark", 2, "da_DK", "dk", "45", "Danish"),
    ("Brazil", 2, "pt_BR", "com.br", "55", "Portuguese"),
    ("Poland", 1, "pl_PL", "pl", "48", "Polish"),
)
_CITIES = {
    "United States": "New York, San Francisco, Austin, Boston, Chicago, Seattle, Denver, Atlanta,"
    "Los Angeles, Miami, Raleigh, Salt Lake City",
    "United Kingdom": "London, Manchester, Edinburgh, Bristol, Leeds, Cambridge, Glasgow",
    "Germany": "Berlin, Munich, Hamburg, Frankfurt, Cologne, Stuttgart, Düsseldorf",
    "France": "Paris, Lyon, Marseille, Toulouse, Bordeaux, Nantes, Lille",
    "Canada": "Toronto, Vancouver, Montreal, Ottawa, Calgary",
    "Netherlands": "Amsterdam, Rotterdam, Utrecht, Eindhoven, The Hague",
    "Spain": "Madrid, Barcelona, Valencia, Seville, Bilbao",
    "Australia": "Sydney, Melbourne, Brisbane, Perth, Adelaide",
    "Italy": "Milan, Rome, Turin, Bologna, Florence",
    "Sweden": "Stockholm, Gothenburg, Malmö, Uppsala",
    "India": "Bengaluru, Mumbai, Pune, Hyderabad, New Delhi",
    "Ireland": "Dublin, Cork, Galway",
    "Switzerland": "Zurich, Geneva, Basel, Lausanne",
    "Denmark": "Copenhagen, Aarhus, Odense",
    "Brazil": "São Paulo, Rio de Janeiro, Belo Horizonte, Curitiba",
    "Poland": "Warsaw, Kraków, Wrocław, Gdańsk",
}
_LEGAL_SUFFIXES = {
    "United States": "Inc., LLC, Corp.",
    "United Kingdom": "Ltd, plc",
    "Germany": "GmbH, AG, SE",
    "France": "SAS, SA",
    "Canada": "Inc., Ltd.",
    "Netherlands": "B.V., N.V.",
    "Spain": "S.L., S.A.",
    "Australia": "Pty Ltd",
    "Italy": "S.r.l., S.p.A.",
    "Sweden": "AB",
    "India": "Pvt Ltd",
    "Ireland": "Ltd, DAC",
    "Switzerland": "AG, SA, GmbH",
    "Denmark": "ApS, A/S",
    "Brazil": "Ltda.",
    "Poland": "sp. z o.o.",
}
COUNTRIES: tuple[Country, ...] = tuple(
    Country(*row, _split(_CITIES[row[0]]), _split(_LEGAL_SUFFIXES[row[0]])) for row in _COUNTRY_ROWS
)
LANGUAGES: tuple[str, ...] = tuple(dict.fromkeys(c.language for c in COUNTRIES))

# Generic TLDs a SaaS customer picks whatever its country, with how often; the rest of the
# time (COUNTRY_TLD_SHARE) a company outside the US uses its country's own TLD.
GENERIC_TLDS: tuple[tuple[str, int], ...] = (
    ("com", 50),
    ("io", 12),
    ("co", 6),
    ("ai", 5),
    ("app", 2),
    ("tech", 1),
)
COUNTRY_TLD_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class Industry:
    """A line of trade: how common it is and the words its companies use."""

    weight: int
    name_words: tuple[str, ...]  # what follows a brand name ("Brightforge Labs")
    offerings: tuple[str, ...]
    audiences: tuple[str, ...]


def _industry(weight: int, words: str, offerings: str, audiences: str) -> Industry:
    return Industry(weight, _split(words), _split(offerings), _split(audiences))


INDUSTRIES: dict[str, Industry] = {
    "Software": _industry(
        22,
        "Software, Labs, Technologies, Systems, Cloud",
        "Workflow automation, Data integration, Developer tooling, Security analytics,"
        "Project management software, Customer support software",
        "engineering teams, mid-sized companies, enterprises, startups",
    ),
    "Financial Services": _industry(
        10,
        "Capital, Finance, Pay, Partners",
        "Payment processing, SME lending, Wealth management, Expense management",
        "small businesses, retail investors, finance teams, online merchants",
    ),
    "Healthcare": _industry(
        8,
        "Health, Medical, Care",
        "Patient scheduling, Clinical data management, Telehealth services",
        "clinics, hospitals, care providers",
    ),
    "Retail": _industry(
        7,
        "Retail, Stores, Goods",
        "Omnichannel retail, Consumer electronics retail, Fashion retail",
        "shoppers, households, young professionals",
    ),
    "E-commerce": _industry(
        7,
        "Commerce, Shop, Market",
        "Online marketplace, Subscription boxes, Direct-to-consumer brands",
        "online shoppers, independent sellers, pet owners",
    ),
    "Manufacturing": _industry(
        7,
        "Industries, Manufacturing, Works",
        "Precision components, Industrial automation equipment, Packaging solutions",
        "automotive suppliers, food producers, industrial customers",
    ),
    "Logistics": _industry(
        6,
        "Logistics, Freight, Transport",
        "Freight forwarding, Last-mile delivery, Warehouse management",
        "retailers, manufacturers, e-commerce brands",
    ),
    "Marketing & Advertising": _industry(
        6,
        "Media, Digital, Agency",
        "Performance marketing, Brand strategy, Marketing analytics",
        "consumer brands, B2B companies, agencies",
    ),
    "Education": _industry(
        5,
        "Learning, Academy, Education",
        "Online courses, Learning management, Corporate training",
        "universities, schools, HR teams",
    ),
    "Professional Services": _industry(
        5,
        "Consulting, Advisory, Partners",
        "Management consulting, IT consulting, Accounting services",
        "mid-sized companies, public sector clients, family businesses",
    ),
    "Telecommunications": _industry(
        4,
        "Telecom, Networks, Connect",
        "Business connectivity, Cloud telephony, IoT connectivity",
        "enterprises, small businesses, device makers",
    ),
    "Insurance": _industry(
        4,
        "Insurance, Assurance, Mutual",
        "Commercial insurance, Embedded insurance, Claims management",
        "small businesses, fleet operators, homeowners",
    ),
    "Real Estate": _industry(
        3,
        "Properties, Realty, Estates",
        "Property management, Commercial real estate, Co-working spaces",
        "landlords, tenants, property investors",
    ),
    "Hospitality": _industry(
        3,
        "Hotels, Hospitality, Travel",
        "Boutique hotels, Travel booking, Restaurant management",
        "travellers, restaurant owners, event organisers",
    ),
    "Energy": _industry(
        3,
        "Energy, Power, Renewables",
        "Solar installation, Energy management, EV charging",
        "homeowners, utilities, fleet operators",
    ),
}

# Syllables of brandable company names ("Brightforge", "Cloudloop").
NAME_PREFIXES = _split(
    "North, Blue, Bright, Silver, Iron, Cloud, Data, Quantum, Nova, Apex, Clear, Swift, Green,"
    "Open, True, Deep, Peak, Sky, Stone, Star, Sun, Pixel, Hyper, Omni, Zen, Core, Arc, Lumen,"
    "Vertex, Atlas, Orbit, Echo, Flux, Terra, Aero, Pulse, Signal, Maple, Harbor, Summit, Cedar,"
    "Fern, Birch, Coral, Amber, Cobalt, Crimson, Ember, Frost, Granite, Indigo, Jade, Kite, Lark,"
    "Mosaic, Neon, Onyx, Prism, Quill, Rally"
)
NAME_ROOTS = _split(
    "path, stack, wave, forge, line, works, hub, loop, base, grid, scale, field, point, bridge,"
    "gate, mind, logic, sense, flow, craft, shift, spark, leaf, rock, view, nest, wise, ly, io,"
    "mark, beam, bit, cast, deck, dock, fox, glow, lane, lift, port, rise, scope, side, sync,"
    "trail"
)

# Region sub-accounts, and the country whose people work there.
REGIONS: dict[str, str] = {
    "EMEA": "United Kingdom",
    "North America": "United States",
    "APAC": "Australia",
    "LATAM": "Brazil",
    "DACH": "Germany",
    "Nordics": "Sweden",
    "UK & Ireland": "Ireland",
    "France": "France",
    "Benelux": "Netherlands",
    "Iberia": "Spain",
    "Italy": "Italy",
    "India": "India",
    "Canada": "Canada",
}
LINES_OF_BUSINESS = _split(
    "Payments, Consumer, Enterprise Solutions, R&D, Marketing, Operations, Digital,"
    "Cloud Services, Retail Banking, Supply Chain, Customer Care, Finance"
)

# buying role -> (weight among an account's non-sponsor contacts, plausible job titles)
ROLE_TITLES: dict[str, tuple[int, tuple[str, ...]]] = {
    "end_user": (
        62,
        _split(
            "Account Executive, Support Specialist, Software Engineer, Data Analyst,"
            "Customer Success Manager, Sales Development Representative, Marketing Specialist,"
            "Operations Specialist, Product Designer, Project Manager, Business Analyst,"
            "Accountant, Recruiter, QA Engineer, Content Manager"
        ),
    ),
    "influencer": (
        12,
        _split(
            "Senior Product Manager, Solutions Architect, IT Manager, Lead Engineer, Team Lead,"
            "Senior Analyst, Engineering Manager"
        ),
    ),
    "champion": (
        5,
        _split(
            "Head of Operations, Product Manager, Director of Customer Experience,"
            "Operations Manager, Head of Sales Operations, RevOps Manager"
        ),
    ),
    "decision_maker": (
        6,
        _split(
            "VP of Operations, Head of Customer Success, Director of Sales, CTO,"
            "VP of Engineering, Head of IT, Chief Digital Officer"
        ),
    ),
    "economic_buyer": (
        5,
        _split("CFO, CEO, COO, VP of Finance, Chief Revenue Officer, Managing Director"),
    ),
    "blocker": (
        3,
        _split(
            "IT Security Manager, Procurement Manager, Legal Counsel, Data Protection Officer,"
            "Head of Compliance"
        ),
    ),
    "": (7, _split("Consultant, Office Manager, Executive Assistant, Intern")),
}

# Roles a contact holds in the second account they belong to.
SAME_GROUP_ROLES = _split("Shared services, Group IT, Group procurement, Regional lead")
OTHER_COMPANY_ROLES = _split("Consultant, Advisor, Partner agency, Board member, Contractor")

# Letters an accented or special character stands for in an e-mail address or domain.
ASCII_FOLD = str.maketrans(
    {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "þ": "th", "ı": "i"}
)
