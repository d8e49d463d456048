"""Word lists for the synthetic company: invented names only, no real companies or people."""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# (team, its usual timezone, a neighbouring one some members live in)
TEAMS = (
    ("Northstar", "America/New_York", "America/Toronto"),
    ("Harbor", "Europe/London", "Europe/Dublin"),
    ("Summit", "America/Los_Angeles", "America/Denver"),
    ("Meridian", "America/Chicago", "America/New_York"),
    ("Cascade", "Europe/Berlin", "Europe/Amsterdam"),
    ("Beacon", "Australia/Sydney", "Australia/Melbourne"),
    ("Lantern", "Asia/Singapore", "Asia/Kolkata"),
)
FIRST_NAMES = _words(
    "Dana Priya Marcus Aisha Tom Elena Kenji Sofia Liam Ngozi Mateo Hannah Ravi Chloe Omar Ingrid Lucas"
    " Mei Daniel Fatima Noah Zoë José Grace Arjun Clara Samuel Yuki Olivia Tariq Nora Felix Amara Jonas"
    " Leah Diego Maya Viktor Ama Ethan"
)
LAST_NAMES = _words(
    "Ortiz Raman Webb Okafor Lindqvist Haddad Moreau Tanaka Brennan Costa Novak Fischer Mensah Patel"
    " Gallagher Kowalski Duarte Nakamura Reyes Šimek Abbott Chen Murphy Silva Kaur Bauer Owusu Petrov Walsh"
    " Ibrahim Lambert Quinn Rossi Adeyemi Hartmann Núñez Ferreira Olsen Delgado Khan"
)
COMPANY_PREFIXES = _words(
    "Blue Granite Copper Silver Maple Nimbus Cedar Juniper Quill Falcon Orchid Basalt Tidal Amber Cobalt"
    " Sable Willow Lark Vireo Onyx Kestrel Saffron Indigo Birch Crimson Fable Heron Marble Pioneer Quartz"
    " Rowan Sparrow Thistle Umber Verdant Wren Yarrow Zephyr Alder Bramble"
)
# joined to a prefix: "Copperfield", "Wrenbrook"
COMPANY_SUFFIXES = _words(
    "stone field wood brook ridge crest vale ford wick light gate haven moor dale bridge port"
)
COMPANY_TRADES = _words(
    "Logistics Analytics Health Foods Robotics Labs Systems Software Freight Dental Energy Media Retail"
    " Learning Insurance Biotech Apparel Payments Studios Marine Farms Clinics Hotels Legal Security Telecom"
    " Motors Textiles Pharma Realty Aerospace Brewing Outfitters Networks Ventures Supply Metrics Works"
    " Mobility Finance"
)
LEGAL_FORMS = ("", "", "", "", " Inc.", ", Inc.", " LLC", " Ltd", " GmbH", " Group", " & Co.")
