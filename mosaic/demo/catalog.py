"""Built-in lists the demo data is drawn from: programs, hotels, dining, names, devices, texts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class HotelSpec:
    slug: str
    name: str
    city: str
    country: str


@dataclass(frozen=True)
class PackageSpec:
    slug: str
    name: str
    price: Decimal
    vouchers: tuple[int, int]  # static vouchers per membership, inclusive range


@dataclass(frozen=True)
class ProgramSpec:
    code: str
    name: str
    currency: str
    timezone: str
    share: float  # of all members
    card_bin: str  # first 6 digits of the 16-digit card numbers
    phone_prefixes: tuple[str, ...]
    phone_digits: int  # digits after the prefix
    spend_factor: Decimal  # THB amounts times this = amounts in the program's currency
    packages: tuple[PackageSpec, ...]
    hotels: tuple[HotelSpec, ...]  # in network
    partners: tuple[HotelSpec, ...]  # out of network
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(","))


def _packages(prices: tuple[str, str, str]) -> tuple[PackageSpec, ...]:
    return (
        PackageSpec("CLASSIC", "Classic", Decimal(prices[0]), (2, 4)),
        PackageSpec("GOLD", "Gold", Decimal(prices[1]), (3, 5)),
        PackageSpec("PLATINUM", "Platinum", Decimal(prices[2]), (4, 6)),
    )


def _hotels(country: str, *rows: tuple[str, str, str]) -> tuple[HotelSpec, ...]:
    return tuple(HotelSpec(slug, name, city, country) for slug, name, city in rows)


INTERNATIONAL_FIRST = ("James", "Emma", "Oliver", "Sophie", "Lucas", "Mia", "Daniel", "Hannah")
INTERNATIONAL_LAST = ("Smith", "Muller", "Rossi", "Martin", "Johnson", "Bernard", "Novak")

PROGRAMS: tuple[ProgramSpec, ...] = (
    ProgramSpec(
        code="SIAM",
        name="Siam Privilege Club",
        currency="THB",
        timezone="Asia/Bangkok",
        share=0.5,
        card_bin="458712",
        phone_prefixes=("+668", "+669", "+666"),
        phone_digits=8,
        spend_factor=Decimal("1"),
        packages=_packages(("4900.00", "9900.00", "19900.00")),
        hotels=_hotels(
            "TH",
            ("BKKRIV", "Siam Riverside Bangkok", "Bangkok"),
            ("BKKSUK", "Siam Sukhumvit Residence", "Bangkok"),
            ("CNXOLD", "Siam Old City Chiang Mai", "Chiang Mai"),
            ("HKTKAT", "Siam Kata Beach Resort", "Phuket"),
            ("KBIAON", "Siam Ao Nang Cliff", "Krabi"),
            ("USMCHW", "Siam Chaweng Bay Samui", "Koh Samui"),
            ("HHQBCH", "Siam Hua Hin Beach Club", "Hua Hin"),
            ("PYXJOM", "Siam Jomtien Pattaya", "Pattaya"),
            ("KYIHIL", "Siam Khao Yai Hills", "Khao Yai"),
        ),
        partners=(
            HotelSpec("LPQHER", "Luang Prabang Heritage House", "Luang Prabang", "LA"),
            HotelSpec("REPTMP", "Temple Lodge Siem Reap", "Siem Reap", "KH"),
            HotelSpec("RGNSTR", "The Strand Court Yangon", "Yangon", "MM"),
        ),
        first_names=_names(
            "Somchai, Niran, Kanya, Ploy, Anan, Siriporn, Chai, "
            "Malee, Thanawat, Pimchanok, Kittipong, Nattaya, Wichai, Arisa"
        ),
        last_names=_names(
            "Srisuk, Chaiyaporn, Wongsakul, Rattanakorn, Boonmee, "
            "Suksawat, Phromma, Thongchai, Saetang, Kaewkla, Chantarasri"
        ),
    ),
    ProgramSpec(
        code="LUMA",
        name="Luma Rewards",
        currency="AED",
        timezone="Asia/Dubai",
        share=0.3,
        card_bin="521964",
        phone_prefixes=("+97150", "+97152", "+97154", "+97155", "+97156", "+97158"),
        phone_digits=7,
        spend_factor=Decimal("0.105"),
        packages=_packages(("950.00", "1950.00", "3950.00")),
        hotels=_hotels(
            "AE",
            ("DXBMAR", "Luma Marina Dubai", "Dubai"),
            ("DXBDTN", "Luma Downtown Boulevard", "Dubai"),
            ("DXBPLM", "Luma Palm Crescent", "Dubai"),
            ("AUHCOR", "Luma Corniche Abu Dhabi", "Abu Dhabi"),
            ("AUHSAA", "Luma Saadiyat Dunes", "Abu Dhabi"),
            ("RKTMRJ", "Luma Al Marjan Island", "Ras Al Khaimah"),
            ("FJRBAY", "Luma Fujairah Bay", "Fujairah"),
            ("AANOAS", "Luma Oasis Al Ain", "Al Ain"),
            ("SHJQAS", "Luma Qasba Sharjah", "Sharjah"),
        ),
        partners=(
            HotelSpec("MCTQUR", "Qurum Sands Muscat", "Muscat", "OM"),
            HotelSpec("DOHWBY", "West Bay Tower Doha", "Doha", "QA"),
            HotelSpec("BAHSEF", "Seef Pearl Manama", "Manama", "BH"),
        ),
        first_names=_names(
            "Ahmed, Fatima, Omar, Aisha, Khalid, Mariam, Yousef, "
            "Noura, Rashid, Layla, Hamad, Salma, Faisal, Hessa"
        ),
        last_names=_names(
            "Al Mansoori, Al Hashimi, Al Nuaimi, Haddad, Khoury, "
            "Al Suwaidi, Al Falasi, Nasser, Al Ketbi, Saleh, Al Zaabi"
        ),
    ),
    ProgramSpec(
        code="ORCHID",
        name="Orchid Circle",
        currency="SGD",
        timezone="Asia/Singapore",
        share=0.2,
        card_bin="402318",
        phone_prefixes=("+658", "+659"),
        phone_digits=7,
        spend_factor=Decimal("0.038"),
        packages=_packages(("188.00", "388.00", "788.00")),
        hotels=_hotels(
            "SG",
            ("MBYWTF", "Orchid Marina Bay Waterfront", "Singapore"),
            ("ORCGDN", "Orchid Orchard Gardens", "Singapore"),
            ("SNTBCH", "Orchid Sentosa Beach", "Singapore"),
            ("CQYRIV", "Orchid Clarke Quay", "Singapore"),
            ("TPGHSE", "Orchid Tanjong Pagar House", "Singapore"),
            ("CHGAIR", "Orchid Changi Airside", "Singapore"),
            ("BGSART", "Orchid Bugis Arts", "Singapore"),
            ("TBHRES", "Orchid Tiong Bahru Residence", "Singapore"),
            ("DMPHIL", "Orchid Dempsey Hill", "Singapore"),
        ),
        partners=(
            HotelSpec("KULKLC", "Petronas Park Kuala Lumpur", "Kuala Lumpur", "MY"),
            HotelSpec("PENGTN", "George Town Heritage Penang", "George Town", "MY"),
            HotelSpec("BTNLGN", "Lagoi Bay Bintan", "Bintan", "ID"),
        ),
        first_names=_names(
            "Wei Ling, Jun Jie, Hui Min, Kumar, Priya, Siti, Ravi, "
            "Mei, Zhi Hao, Nur Aisyah, Darren, Shanti, Jia Hui, Farid"
        ),
        last_names=_names("Tan, Lim, Lee, Ng, Wong, Goh, Chua, Rajan, Abdullah, Teo, Ong"),
    ),
)

OUTLETS: tuple[tuple[str, str], ...] = (
    ("The Terrace", "International"),
    ("Sakura", "Japanese"),
    ("Lobby Lounge", "Bar & Lounge"),
    ("Ember Grill", "Steakhouse"),
    ("Jade Pavilion", "Cantonese"),
    ("Spice Route", "Indian"),
    ("Trattoria Sole", "Italian"),
    ("Baan Rim Nam", "Thai"),
    ("Saffron", "Middle Eastern"),
    ("Harbour Catch", "Seafood"),
    ("Le Petit Four", "Patisserie"),
    ("Azure Pool Bar", "Bar & Lounge"),
)

STAFF: tuple[tuple[str, str, str], ...] = (  # login (the key's ident), name, role
    ("backoffice-1", "Back Office Manager", "backoffice"),
    ("backoffice-2", "Member Services Officer", "backoffice"),
    ("reservations-1", "Reservations Supervisor", "reservations"),
    ("reservations-2", "Reservations Agent", "reservations"),
)

EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

DEVICES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (  # platform, maker, model, OS
    ("ios", "Apple", "iPhone 13", ("16.7", "17.5")),
    ("ios", "Apple", "iPhone 15 Pro", ("17.5", "18.1")),
    ("ios", "Apple", "iPhone 16", ("18.1", "18.3")),
    ("android", "Samsung", "Galaxy S23", ("13", "14")),
    ("android", "Samsung", "Galaxy A54", ("13", "14")),
    ("android", "Google", "Pixel 8", ("14", "15")),
    ("android", "Xiaomi", "Redmi Note 13", ("13", "14")),
    ("android", "OPPO", "Reno 11", ("14",)),
)

OFFER_TITLES = (
    ("20% off dining", "Twenty percent off food and beverage for the member and up to 3 guests."),
    ("Stay 3, pay 2", "Book three nights and the third one is on us, subject to availability."),
    ("Spa ritual for two", "A 90-minute couples' treatment at a members' rate."),
    ("Sunday brunch at half price", "Half price for the second guest at Sunday brunch."),
    ("Late checkout", "Check out at 4 PM, subject to availability on the day."),
    ("Suite upgrade", "A complimentary one-category upgrade when booking a suite."),
    ("Afternoon tea for two", "A members' afternoon tea set for two, Monday to Friday."),
    ("Free-flow weekend", "Weekend free-flow beverages at a members' price."),
)

CAMPAIGN_TITLES: dict[str, tuple[str, ...]] = {
    "food": ("Chef's table for two", "Welcome dinner voucher", "Birthday cake on us"),
    "room": ("Weekend night on us", "Room upgrade voucher"),
    "spa": ("60-minute massage", "Spa day pass"),
    "referral": ("Thank you for referring a friend",),
    "other": ("Airport transfer", "Laundry credit"),
}
INVITEE_WELCOME_TITLE = "Welcome drink for our invited guest"

PUSH_TEXTS = (
    ("New dining offers", "Discover this month's members-only dining offers."),
    ("Your weekend escape", "Stay 3, pay 2 at selected hotels this month."),
    ("Spa week", "Book a spa ritual this week and enjoy a members' rate."),
    ("Invite a friend", "Share a 7-day invitation and earn a referral voucher."),
    ("Your vouchers are waiting", "You have vouchers ready to use: open the app to see them."),
)

EMAIL_SUBJECTS = (
    "Your membership benefits this month",
    "New partner hotels in the network",
    "Festive season dining",
    "Renew now and get a bonus voucher",
    "The members' newsletter",
)

SMS_TEXTS = (
    "Members' night this Friday: 30% off dining. Show your card at the outlet.",
    "Your membership renews soon. Renew in the app for a bonus voucher.",
    "Spa week: members' rate on all rituals. Book in the app.",
)
