"""Word lists for the synthetic corpus: enough variety for realistic text, FTS and slugs.

Nothing here is taken from the real corpus; names are made of syllables so that every event
and context can get a unique, pronounceable name from its number.
"""

from __future__ import annotations

SYLLABLES = (
    "ka", "lo", "ven", "dar", "mi", "sel", "tor", "an", "bri", "cu", "del", "fen", "gal", "har", "is",
    "jor", "kel", "lum", "mor", "nes", "or", "pra", "quin", "ras", "sul", "tam", "ur", "vil", "wen",
    "yar", "zo", "bel", "cor", "dun", "el", "fal", "gri", "hol", "ir", "mé", "nü", "sa",
)

FIRST_NAMES = (
    "Ana", "Boris", "Carla", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kofi",
    "Lena", "Marco", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Samir", "Tara", "Umar", "Vera",
    "Wei", "Ximena", "Yusuf", "Zoe", "André", "Björn", "Chloé", "Dmitri",
)

ROLES = (
    "President", "Prime Minister", "Foreign Minister", "Governor", "Mayor", "General", "Senator",
    "Judge", "Chief Executive", "Opposition leader", "Health Minister", "Police chief",
)

VERBS = (
    "announces", "rejects", "signs", "condemns", "launches", "suspends", "approves", "criticizes",
    "opens", "closes", "investigates", "defends", "proposes", "withdraws from", "confirms",
    "denies", "calls for", "postpones", "celebrates", "warns about",
)

OBJECTS = (
    "a new trade agreement", "the ceasefire", "an emergency budget", "the election results",
    "a peace plan", "sanctions against the neighbouring state", "a vaccination campaign",
    "the pipeline project", "a constitutional amendment", "plans for a new airport",
    "the nuclear talks", "a national day of mourning", "the refugee agreement", "a cyber attack",
    "the mining concession", "an anti-corruption law", "the fishing quota", "a state of emergency",
    "the railway strike", "new climate targets", "the bank merger", "a prisoner exchange",
)

PLACE_PHRASES = (
    "in the capital", "near the border", "after weeks of protests", "at the United Nations",
    "during a summit", "following heavy flooding", "amid rising prices", "in a televised address",
    "after an earthquake", "despite international criticism", "before parliament",
)

EXTRA_SENTENCES = (
    "At least {n} people are killed and dozens injured.",
    "Officials say {n} people have been evacuated.",
    "The decision follows {n} days of negotiations.",
    "Turnout is reported at {n} percent.",
    "Police arrest {n} suspects in connection with the incident.",
    "The measure passes with {n} votes in favour.",
    "Damage is estimated at {n} million dollars.",
)

ADJECTIVES = (
    "European", "Syrian", "Northern", "Southern", "Eastern", "Western", "Central", "Pacific",
    "Atlantic", "Arctic", "Coastal", "National", "Federal", "Global", "Regional", "Continental",
    "Baltic", "Andean", "Caspian", "Saharan", "Alpine", "Sahelian", "Balkan", "Iberian",
)

NOUNS = (
    "migrant crisis", "civil war", "debt crisis", "drought", "refugee crisis", "trade dispute",
    "border conflict", "energy crisis", "protests", "insurgency", "pandemic", "water dispute",
    "banking crisis", "wildfires", "flooding", "famine", "strike", "election crisis",
    "peace process", "arms race",
)

COUNTRIES = (
    "Albania", "Argentina", "Bolivia", "Chile", "Denmark", "Estonia", "Finland", "Ghana", "Iceland",
    "Kenya", "Latvia", "Malawi", "Nepal", "Norway", "Peru", "Portugal", "Senegal", "Tunisia",
    "Uruguay", "Zambia",
)

US_STATES = (
    "Kentucky", "Nevada", "Ohio", "Texas", "Oregon", "Iowa", "Kansas", "Utah", "Maine", "Montana",
    "New Mexico", "North Carolina",
)

ELECTIONS = ("general election", "presidential election", "constitutional referendum", "local elections")

CATEGORIES = (
    ("Armed conflicts and attacks", 22), ("Arts and culture", 5), ("Business and economy", 8),
    ("Disasters and accidents", 13), ("Health and environment", 6), ("International relations", 15),
    ("Law and crime", 17), ("Politics and elections", 12), ("Science and technology", 5),
    ("Sports", 5), ("Religion", 2),
)

PUBLISHERS = (
    ("BBC", "www.bbc.co.uk"), ("Reuters", "www.reuters.com"), ("The Guardian", "www.theguardian.com"),
    ("CNN", "edition.cnn.com"), ("Al Jazeera", "www.aljazeera.com"), ("AP", "apnews.com"),
    ("The New York Times", "www.nytimes.com"), ("Deutsche Welle", "www.dw.com"),
    ("France 24", "www.france24.com"), ("The Washington Post", "www.washingtonpost.com"),
    ("Voice of America", "www.voanews.com"), ("NPR", "www.npr.org"), ("ABC News", "abcnews.go.com"),
    ("The Star via Reuters", "www.thestar.com"), ("Radio Free Europe", "www.rferl.org"),
    ("The Hindu", "www.thehindu.com"), ("Xinhua", "news.xinhuanet.com"), ("Le Monde", "www.lemonde.fr"),
    ("El País", "elpais.com"), ("Sydney Morning Herald", "www.smh.com.au"), ("Wikipedia", "en.wikipedia.org"),
    ("Local Gazette", "gazette.example.org"), ("The Times of Malta", "timesofmalta.com"),
    ("Bloomberg", "www.bloomberg.com"),
)

SECTIONS = ("news", "world", "politics", "article", "story", "en/news")
