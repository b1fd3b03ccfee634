"""Arabizi (Arabic written in Latin letters and digits: "wain tlabi? 9ar lh osbo3").

Gulf customers often type Arabic this way on a phone without an Arabic keyboard. Before the
message is understood it is rewritten in Arabic script, word by word: the common words from a
lexicon, other Arabizi-looking words (with the digits 2 3 5 6 7 8 9 standing for letters) by
letter, and English words ("tabby", "sparks", "tv") as they are, so code-switching survives.
The customer is answered in Arabic.
"""

from __future__ import annotations

import functools
import re

from knowledge.normalize import normalize

# Common Gulf words as customers type them. Keys are lower case.
_LEXICON: dict[str, str] = {
    # questions and pronouns
    "wain": "وين", "wen": "وين", "wein": "وين", "wayn": "وين", "fain": "وين", "feen": "فين",
    "shlon": "شلون", "shlonk": "شلونك", "shno": "شنو", "shnu": "شنو", "wesh": "وش", "wsh": "وش",
    "esh": "ايش", "eish": "ايش", "ish": "ايش", "leish": "ليش", "lesh": "ليش", "laish": "ليش",
    "lish": "ليش", "kam": "كم", "kem": "كم", "kaif": "كيف", "kef": "كيف", "keif": "كيف",
    "kayf": "كيف", "mata": "متى", "meta": "متى", "mta": "متى", "emta": "امتى", "ana": "انا",
    "enta": "انت", "inta": "انت", "enti": "انتي", "inti": "انتي", "ento": "انتو", "hatha": "هذا",
    "hadha": "هذا", "hada": "هذا", "hathi": "هذي", "hadhi": "هذي", "hal": "هل", "ya3ni": "يعني",
    "y3ni": "يعني", "yani": "يعني",
    # wanting and doing
    "abi": "ابي", "abee": "ابي", "aby": "ابي", "abgha": "ابغى", "abga": "ابغى", "ab8a": "ابغى",
    "abghy": "ابغى", "abghi": "ابغى", "ab8": "ابغى", "bghit": "بغيت", "ba8i": "باغي",
    "algi": "الغي", "algih": "الغيه", "algeeh": "الغيه", "algiha": "الغيها",
    "al8i": "الغي", "alghi": "الغي", "alghee": "الغي", "al8ee": "الغي", "elghi": "الغي",
    "al8eh": "الغيه", "alghih": "الغيه",
    "al3'eh": "الغيه", "al3'ih": "الغيه", "al'3eh": "الغيه", "al3'eha": "الغيها",
    "raje3ta": "رجعته", "raja3ta": "رجعته", "rja3ta": "رجعته", "rj3ta": "رجعته", "raje3tha": "رجعتها",
    "sh7ntoh": "شحنتوه", "sh7antoh": "شحنتوه", "sha7antoh": "شحنتوه", "sh7ntooh": "شحنتوه",
    "sh7ntoha": "شحنتوها", "insha7an": "انشحن", "ensha7an": "انشحن", "inshi7an": "انشحن",
    "trkboonh": "تركبونه", "trakboonh": "تركبونه", "tarkboonh": "تركبونه", "trkbonh": "تركبونه",
    "trkboon": "تركبون", "tarkboon": "تركبون", "dam": "دام", "madam": "مادام",
    # "ilghih", "w el sa3a kaman ilghiha", "ilghihom": cancel it / them, with i- or e-.
    "ilghi": "الغي", "ilghih": "الغيه", "ilghiha": "الغيها", "ilghihom": "الغيهم",
    "ilghihum": "الغيهم", "elghih": "الغيه", "elghiha": "الغيها", "elghihom": "الغيهم",
    "alghihom": "الغيهم", "algihom": "الغيهم", "ilgi": "الغي",
    "ilgih": "الغيه", "ilgiha": "الغيها", "ilgihom": "الغيهم", "il8i": "الغي", "il8ih": "الغيه",
    "il8iha": "الغيها", "il8ihom": "الغيهم", "al8iha": "الغيها", "al8ihom": "الغيهم", "el8a2": "الغاء", "ilgha": "الغاء", "elgha": "الغاء",
    "arj3": "ارجع", "arja3": "ارجع", "arje3": "ارجع", "rj3": "رجع", "raja3t": "رجعت",
    "arg3": "ارجع", "astarje3": "استرجع", "astarji3": "استرجع", "atb3": "اتتبع",
    "akalim": "اكلم", "akallem": "اكلم", "akalem": "اكلم", "akalm": "اكلم", "kalmni": "كلمني",
    "7wlni": "حولني", "7awelni": "حولني", "7awlni": "حولني", "yrj3on": "يرجعون",
    "yrj3": "يرجع", "yerja3": "يرجع", "yoosal": "يوصل", "yosal": "يوصل", "ywsl": "يوصل",
    "yewsal": "يوصل", "wasal": "وصل", "wsl": "وصل", "wasl": "وصل", "ya5ith": "ياخذ",
    "ya5th": "ياخذ", "yakhith": "ياخذ", "ytl3": "يطلع", "yetla3": "يطلع", "tl3": "طلع",
    "ybrd": "يبرد", "yshtghl": "يشتغل", "yshta8l": "يشتغل", "5arban": "خربان", "5rban": "خربان",
    "5arab": "خرب", "5rb": "خرب", "3atlan": "عطلان",
    # orders and money
    "tlabi": "طلبي", "talabi": "طلبي", "tlbi": "طلبي", "6alabi": "طلبي", "6lbi": "طلبي",
    "6lby": "طلبي", "tlby": "طلبي", "talab": "طلب", "6alab": "طلب", "6lb": "طلب", "tlb": "طلب",
    "el6alab": "الطلب", "altalab": "الطلب", "eltalab": "الطلب", "tawseel": "توصيل",
    "tawsil": "توصيل", "twseel": "توصيل", "tawseelha": "توصيلها", "tawseelah": "توصيله",
    "tawseelhom": "توصيلهم",
    # "kalami hatha a7ad y2rah? w tstkhdmoonah 7ag eish?": who reads the chat, and what for.
    "yji": "يجي", "yiji": "يجي", "yjee": "يجي",
    "fanni": "فني", "fani": "فني", "elfanni": "الفني",
    "kalami": "كلامي", "kalamy": "كلامي", "y2rah": "يقراه", "ygrah": "يقراه", "yegrah": "يقراه",
    "yigrah": "يقراه", "tstkhdmoonah": "تستخدمونه", "tistakhdimoonah": "تستخدمونه",
    "tstkhdmoon": "تستخدمون", "mo7adatha": "المحادثه", "elmo7adatha": "المحادثه", "el tawseel": "التوصيل", "rsoom": "رسوم",
    "rusoom": "رسوم", "rosoom": "رسوم", "flos": "فلوس", "fulus": "فلوس", "floos": "فلوس",
    "mudda": "مده", "muddah": "مده", "modda": "مده", "elmudda": "المده", "almudda": "المده",
    "mablagh": "مبلغ", "mabla8": "مبلغ", "el mabla8": "المبلغ", "ejra2": "اجراء",
    "mowathaf": "موظف", "muwadhaf": "موظف", "mwthf": "موظف", "mo6": "مو", "shakwa": "شكوى",
    "shakwah": "شكوى", "mandoob": "مندوب", "mndob": "مندوب", "jawal": "جوال", "jwal": "جوال",
    "jawali": "جوالي", "ra8mi": "رقمي", "rqmi": "رقمي", "ra8am": "رقم", "ta5eer": "تاخير",
    "mit2a5er": "متاخر", "mt25r": "متاخر", "osbo3": "اسبوع", "usbu3": "اسبوع", "sbo3": "اسبوع",
    "yom": "يوم", "youm": "يوم", "ayam": "ايام", "ayyam": "ايام", "el yom": "اليوم",
    "ga3ed": "قاعد", "ga3d": "قاعد", "8a3ed": "قاعد", "mn": "من", "min": "من", "3la": "على",
    "3ala": "على", "lil": "لل", "fi": "في", "fe": "في", "ma3": "مع", "b3d": "بعد", "ba3d": "بعد",
    "lsa": "لسا", "lissa": "لسا", "ll7in": "للحين", "lil7een": "للحين", "l7en": "للحين",
    "alhin": "الحين", "al7in": "الحين", "el7een": "الحين", "7een": "حين", "9ar": "صار",
    "sar": "صار", "9arli": "صارلي", "lh": "له", "lah": "له", "li": "لي", "ly": "لي",
    "madina": "المدينة", "riyadh": "الرياض", "jeddah": "جدة", "jidda": "جدة", "dammam": "الدمام",
    "mada": "مدى", "tabby": "تابي", "tamara": "تمارا",
    # small talk
    "slam": "سلام", "salam": "سلام", "salaam": "سلام", "marhaba": "مرحبا", "mar7aba": "مرحبا",
    "hala": "هلا", "ahlan": "اهلا", "shukran": "شكرا", "shokran": "شكرا", "shkran": "شكرا",
    "mashkoor": "مشكور", "mshkor": "مشكور", "3afwan": "عفوا", "tmam": "تمام", "tamam": "تمام",
    "zain": "زين", "zen": "زين", "akeed": "اكيد", "akid": "اكيد", "aywa": "ايوه", "ewa": "ايوه",
    "ee": "ايه", "eeh": "ايه", "eh": "ايه", "la": "لا", "la2": "لا", "na3am": "نعم",
    "n3m": "نعم", "inshallah": "ان شاء الله", "wallah": "والله", "walla": "والله", "wala": "ولا", "willa": "ولا",
    "insan": "انسان", "ensan": "انسان", "bot": "بوت",
    "yalla": "يلا", "ya": "يا", "bas": "بس", "bs": "بس", "ma": "ما", "mb": "مب", "mo": "مو",
    "msh": "مش", "mesh": "مش", "w": "و", "wa": "و", "el": "ال", "al": "ال", "il": "ال",
    "ri7a": "ريحة", "ri7at": "ريحة", "7ree8": "حريق", "7areeg": "حريق", "7ari8": "حريق",
    "do5an": "دخان", "du5an": "دخان", "kahraba": "كهربا", "mnh": "منه", "minh": "منه",
    "wara": "ورا", "fih": "فيه", "feh": "فيه", "fiha": "فيها", "3ndi": "عندي", "3indi": "عندي",
    "3ndk": "عندك", "kaman": "كمان", "bkra": "بكرة", "bukra": "بكرة", "ams": "امس",
    "tl8eeh": "تلغيه", "tlghih": "تلغيه", "tl8ih": "تلغيه", "tl8i": "تلغي", "mumkin": "ممكن",
    "mmkn": "ممكن", "momkin": "ممكن", "tayeb": "طيب", "tyb": "طيب", "6ayeb": "طيب",
    "ma3ad": "ما عاد", "m3ad": "ما عاد", "ab8ah": "ابغاه", "abghah": "ابغاه", "abih": "ابيه",
    "a3rf": "اعرف", "a3ref": "اعرف", "dafa3t": "دفعت", "dfa3t": "دفعت", "tirja3": "ترجع",
    "trja3": "ترجع", "tarja3": "ترجع", "wayed": "وايد", "7ag": "حق", "ha8": "حق",
    "sa3ti": "ساعتي", "sa3ati": "ساعتي", "sa3a": "ساعه", "el sa3a": "الساعه",
    "al8eeha": "الغيها", "alghiha": "الغيها", "al8eha": "الغيها",
    "al8ih": "الغيه", "al8eeh": "الغيه", "ybarrid": "يبرد", "ybard": "يبرد",
    "yborrid": "يبرد", "ysa5en": "يسخن", "ysakhin": "يسخن", "yishtaghil": "يشتغل",
    "kharban": "خربان",
    "mokayef": "مكيف", "mukayif": "مكيف", "mkyf": "مكيف", "mkeef": "مكيف", "mokayyef": "مكيف",
    "tlaja": "ثلاجه", "thalaja": "ثلاجه", "ghassala": "غساله", "8sala": "غساله",
    "jawwal": "جوال", "shasha": "شاشه", "maknsa": "مكنسه", "maknasa": "مكنسه",
    "yjini": "يجيني", "yjeni": "يجيني", "yjeeni": "يجيني", "lama": "لما", "lamma": "لما",
    "asawi": "اسوي", "asawy": "اسوي", "3ndkum": "عندكم", "3ndkom": "عندكم", "3indkom": "عندكم",
    "akdi": "اكدي", "akkdi": "اكدي", "7awliny": "حولني",
    "tayb": "طيب", "tyeb": "طيب", "yousal": "يوصل", "youssal": "يوصل",
    "ywsal": "يوصل", "tnzl": "تنزل", "tinzil": "تنزل", "sawha": "سويها",
    "sawiha": "سويها", "okhti": "اختي", "o5ti": "اختي", "hnak": "هناك", "hinak": "هناك",
    "flosi": "فلوسي", "floosi": "فلوسي", "flous": "فلوس",
    "3shan": "عشان", "3ashan": "عشان", "ghali": "غالي", "shy": "شي", "shay": "شي",
    "slm": "سلام", "law": "لو", "lw": "لو", "awal": "اول", "awwal": "اول", "thani": "ثاني",
    "sani": "ثاني", "ra8m": "رقم", "ragm": "رقم", "raqam": "رقم", "rqm": "رقم",
    "menha": "منها", "minha": "منها", "menh": "منه", "ely": "اللي", "elly": "اللي",
    "illi": "اللي", "m3": "مع", "kolsh": "كلش", "abd": "ابد", "abad": "ابد",
    "6lbtha": "طلبتها", "6alabtha": "طلبتها", "6lbt": "طلبت",
    "laa": "لا", "stanna": "استنى", "istanna": "استنى", "mabi": "ما ابي", "mabee": "ما ابي",
    "5alas": "خلاص", "khalas": "خلاص", "7'alas": "خلاص", "5allih": "خليه", "khallih": "خليه",
    "5alleh": "خليه", "mashi": "ماشي", "ba3dain": "بعدين", "ba3deen": "بعدين",
    "ytla3": "يطلع", "9oot": "صوت", "sot": "صوت", "akked": "اكد",
    "akkid": "اكد", "yewsalni": "يوصلني", "ywsalni": "يوصلني", "alghaita": "الغيته",
    "aqsa6": "اقساط", "agsa6": "اقساط", "a8sa6": "اقساط",
    # Fees and payment ("kam r9oom el tawseel lel thallaja? a9dar adfa3 kash 3nd el estilam?").
    "3nd": "عند", "3ind": "عند", "3end": "عند", "estilam": "استلام", "estlam": "استلام",
    "esstilam": "استلام", "istilam": "استلام", "estelam": "استلام", "kash": "كاش",
    # English words Gulf customers write inside Arabizi, in the Arabic they stand for.
    "cash": "كاش", "kaash": "كاش", "visa": "فيزا",
    "r9oom": "رسوم", "thallaja": "ثلاجه",
    "thallajah": "ثلاجه", "tallaja": "ثلاجه",
    "ghasala": "غساله", "ghassalah": "غساله", "mukayef": "مكيف", "mkayef": "مكيف",
    "shashah": "شاشه", "a9dar": "اقدر", "agdar": "اقدر",
    "a8dar": "اقدر", "aqdar": "اقدر", "adfa3": "ادفع", "adfa": "ادفع", "daf3": "دفع",
    "wla": "ولا", "lel": "لل", "b": "ب", "yakhuth": "ياخذ", "yakhoth": "ياخذ",
    "yakhudh": "ياخذ", "yakhdh": "ياخذ", "tagseet": "تقسيط", "taqseet": "تقسيط",
    "ta8seet": "تقسيط", "tarkeeb": "تركيب", "tarkib": "تركيب", "tarkeb": "تركيب",
    "sa3ah": "ساعه", "sa3at": "ساعه",
    "wslt": "وصلت", "wislat": "وصلت", "wsalat": "وصلت", "wasalat": "وصلت", "wselt": "وصلت",
    "wisil": "وصل", "wsal": "وصل",
    "ya3tich": "يعطيك", "ya3teek": "يعطيك", "ya3tik": "يعطيك", "y3tik": "يعطيك",
    "ya3teech": "يعطيك", "3afya": "العافيه", "3afia": "العافيه", "3afyah": "العافيه",
    "mashkora": "مشكوره", "mashkoora": "مشكوره",
    "7abibti": "حبيبتي", "tislam": "تسلم", "teslam": "تسلم", "tslm": "تسلم",
    "nus5a": "نسخه", "nuskha": "نسخه", "nos5a": "نسخه", "nos5ah": "نسخه", "nuskhah": "نسخه",
    "bayanati": "بياناتي", "bayanaty": "بياناتي", "byanati": "بياناتي", "7sabi": "حسابي",
    "hsabi": "حسابي", "a7thf": "احذف", "a7thef": "احذف", "7thf": "حذف", "ta7thfoon": "تحذفون",
    # "sama3at el galaxy buds elli jatni m3 el ghassala": headphones that came with the washer.
    "sama3at": "سماعات", "sma3at": "سماعات", "sama3a": "سماعه", "sama3ah": "سماعه",
    "jatni": "جاتني", "jatny": "جاتني", "jani": "جاني", "jany": "جاني", "wslatni": "وصلتني",
    "wslni": "وصلني", "3eeb": "عيب", "3aib": "عيب", "3ayb": "عيب",
    "5arbana": "خربانه", "5arbanah": "خربانه", "5irbat": "خربت", "5erbat": "خربت",
    # "kam sana el daman 3ala el thallaja? w a8dar amaded el daman?"
    "daman": "ضمان", "dhaman": "ضمان", "6aman": "ضمان", "sana": "سنه", "sanah": "سنه",
    "sanawat": "سنوات", "sanatain": "سنتين", "sanateen": "سنتين", "amaded": "امدد",
    "amadid": "امدد", "amdid": "امدد", "atmdd": "اتمدد", "tamdeed": "تمديد", "tamdid": "تمديد",
    # "tayib sawi el esterdad law sama7t": ok, do the refund please.
    "tayib": "طيب", "6ayib": "طيب", "sawi": "سوي",
    "sawwi": "سوي", "sawy": "سوي", "esterdad": "استرداد", "isterdad": "استرداد",
    "estirdad": "استرداد", "istirdad": "استرداد", "esterjaa": "استرجاع",
    "ilgha2": "الغاء", "elgha2": "الغاء",
    # "w el mukayyif el LG kaman rajj3o flosa": and the LG AC too, give its money back.
    "mukayyif": "مكيف", "mkayyef": "مكيف",
    "mkayefat": "مكيفات", "mkayfat": "مكيفات", "mukayyifat": "مكيفات",
    "flosa": "فلوسه", "floosa": "فلوسه", "flooso": "فلوسه", "floso": "فلوسه", "flosha": "فلوسها",
    "rajj3o": "رجعوا", "raj3o": "رجعوا", "rj3o": "رجعوا", "rajje3o": "رجعوا", "raj3oo": "رجعوا",
    # "eh ok 7awleeni": yes, put me through.
    "7awleeni": "حوليني", "7awleni": "حوليني", "7awlini": "حوليني", "7wleeni": "حوليني",
    "7ad": "احد", "mowazafeen": "موظفين", "mowazafen": "موظفين", "mowazfeen": "موظفين",
    "7awloni": "حولوني", "7awlooni": "حولوني", "mowadhaf": "موظف", "mowazaf": "موظف",
    "a7chi": "احكي", "a7ki": "احكي", "a7ky": "احكي",
    # "ok yalla sawoh": ok, go on, do it.
    # "el sama3at wel sa3a rj3thum min zmaan": I sent the headphones and the watch back long ago.
    "rj3thum": "رجعتهم", "rja3thum": "رجعتهم", "raj3thum": "رجعتهم", "rj3tahum": "رجعتهم",
    "rj3tha": "رجعتها", "rja3tha": "رجعتها", "wel": "وال", "wil": "وال",
    "zmaan": "زمان", "zaman": "زمان", "zamaan": "زمان", "zman": "زمان",
    # "ee arsloh lel fareeg bs bsor3a, kl mara nafs el sal7a": yes send it to the team, quickly;
    # every time the same story.
    "arsloh": "ارسلوه", "arsiloh": "ارسلوه", "arsilo": "ارسلوه", "arsla": "ارسله", "arsilha": "ارسلها",
    "fareeg": "فريق", "fareej": "فريق", "fari2": "فريق", "bsor3a": "بسرعه", "bsur3a": "بسرعه",
    "kl": "كل", "kil": "كل", "mara": "مره", "marra": "مره", "nafs": "نفس", "sal7a": "سالفه",
    # "el kettle elly rj3thom wslokm wla la?": did the kettle I sent back reach you or not?
    "wslokm": "وصلتكم", "wslkm": "وصلتكم", "wasalatkom": "وصلتكم", "wslatkm": "وصلتكم",
    "wsalatkom": "وصلتكم", "wela": "ولا", "rj3thom": "رجعتهم", "rja3thom": "رجعتهم",
    "sawoh": "سووه", "sawooh": "سووه", "sawwoh": "سووه", "sawih": "سويه",
    "rajj3oh": "رجعوه", "raj3oh": "رجعوه", "rajj3t": "رجعت", "rajja3to": "رجعته",
}
# Words the frequency-guided speller gets wrong (a commoner word has the same letters):
# "5alal" is a defect (خلل), not "during" (خلال); "lessa" is "still" (لسه), not "is not".
_LEXICON.update({
    "5alal": "خلل", "5alel": "خلل", "khalal": "خلل", "lessa": "لسه", "lesa": "لسه", "lissa": "لسه",
    "lsa": "لسه", "5aleha": "خليها", "5alih": "خليه", "5aleh": "خليه", "5alah": "خله",
    "5alha": "خلها", "5alli": "خلي", "5ali": "خلي", "3ni": "عني", "3nk": "عنك", "3nha": "عنها",
    "a5oy": "اخوي", "a5ooy": "اخوي", "akhoy": "اخوي", "a5ti": "اختي", "ukhti": "اختي",
    # A digit then two letters reads as a model name ("5g", "4k") to the speller.
    "7lw": "حلو", "7lo": "حلو", "7lwa": "حلوه", "7lwh": "حلوه",
    # "el shasha feha 5a6 a5dar men awal yom": a line on the screen, from the first day.
    "5a6": "خط", "5at": "خط", "5a6ain": "خطين", "men": "من", "arj3a": "ارجعها",
    "arja3ha": "ارجعها", "arj3ha": "ارجعها", "arj3ah": "ارجعه", "arja3ah": "ارجعه",
    # "yom el jum3a tdawmoon?": the team's hours.
    "tdawmoon": "تداومون", "tdawmon": "تداومون", "tdawmun": "تداومون", "dawamkum": "دوامكم",
    "dawamkom": "دوامكم", "dawamkm": "دوامكم", "ydawmoon": "يداومون",
    # "sorry ghalat, a9di el buds": I meant (the q is often dropped or written 2 or g).
    "a9di": "قصدي", "a9dy": "قصدي", "a2sdi": "قصدي", "a2sdy": "قصدي", "2asdi": "قصدي",
    "asdi": "قصدي", "asdy": "قصدي", "gasdi": "قصدي", "g9di": "قصدي", "qasdi": "قصدي",
    "q9di": "قصدي", "ag9d": "اقصد", "a8sid": "اقصد", "a2sod": "اقصد", "ghalat": "غلط",
    "ghalta": "غلطه", "ghlat": "غلط", "ghlt": "غلط",
    # "el buds ma tshtghil el yasar": the left one, the right one.
    "yasar": "يسار", "lyasar": "اليسار", "yimeen": "يمين", "yameen": "يمين", "yamin": "يمين",
    # "abi a3'ayer lon el sa3a", "t3lee8ha 3al jidar": colour, on the wall.
    "lon": "لون", "loon": "لون", "lawn": "لون", "3al": "على", "3ala": "على", "3la": "على",
    "jidar": "جدار", "yesar": "يسار", "jiha": "جهه", "jeha": "جهه", "y8a66e3": "يقطع",
    "y8a6e3": "يقطع", "yg6e3": "يقطع", "ygat3": "يقطع",
})
# Words that also occur in English chat ("la", "ma", "w"...) prove nothing on their own.
_WEAK = {"la", "ma", "w", "wa", "el", "al", "il", "ya", "ana", "min", "mn", "fi", "fe", "li",
         "ly", "eh", "ee", "bs", "bas", "mo", "hal", "lil", "wallah", "walla", "yalla",
         "inshallah", "mada", "tabby", "tamara", "riyadh", "jeddah", "dammam", "salam", "hala",
         "sar", "zen", "yom", "kam", "tmam", "tamam", "esh", "ish", "wen", "mata", "meta", "lah",
         "meta", "eish", "wsh", "lh", "w", "law", "laa", "abd", "b", "lel",
         # Her name is said in either language ("hala noura", "hi noura").
         "noura", "nora", "norah", "nourah", "cash", "visa"}
_ENGLISH = {"the", "is", "my", "i", "you", "your", "where", "what", "when", "how", "order",
            "please", "pls", "can", "it", "to", "and", "a", "an", "of", "for", "on", "in", "me",
            "this", "that", "do", "does", "not", "dont", "don't", "are", "was", "be", "have",
            "has", "with", "yes", "no", "thanks", "thank", "why", "still", "just", "so", "but",
            "if", "at", "from", "will", "would", "could", "get", "want", "need", "delivery",
            "got", "them", "they", "like", "week", "weeks", "day", "days", "ago", "email",
            "about", "been", "did", "had", "there", "here", "then", "than", "some", "ur", "im",
            "its", "hello", "hey", "should", "which", "who", "were", "our", "us", "after"}
# An email or a web address is kept whole: it is data, not Arabizi ("w el email omar7@x.com").
_TOKEN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+|[A-Za-z0-9']+|[^A-Za-z0-9'\s]+")
_KEPT = re.compile(r"@|^https?://")
# A digit standing for a letter, inside a word: "3ndi", "ta3ban", "al8i", "osbo3".
_DIGIT_WORD = re.compile(r"^(?=.*[a-z])(?=.*[235678 9])[a-z235679 8']+$".replace(" ", ""))
_DIGRAPHS = [("sh", "ش"), ("kh", "خ"), ("gh", "غ"), ("th", "ث"), ("dh", "ذ"), ("ch", "تش"),
             ("ee", "ي"), ("ii", "ي"), ("oo", "و"), ("ou", "و"), ("aa", "ا"), ("ei", "ي"),
             ("ai", "ي"), ("ay", "ي")]
# A digit with an apostrophe is the same letter with a dot: 3' غ, 7' خ, 6' ظ, 9' ض.
_DOTTED = {f"{d}'": ar for d, ar in (("3", "غ"), ("7", "خ"), ("6", "ظ"), ("9", "ض"))} | {
    f"'{d}": ar for d, ar in (("3", "غ"), ("7", "خ"), ("6", "ظ"), ("9", "ض"))}
_LETTERS = {"2": "ء", "3": "ع", "5": "خ", "6": "ط", "7": "ح", "8": "ق", "9": "ص", "b": "ب",
            "t": "ت", "j": "ج", "d": "د", "r": "ر", "z": "ز", "s": "س", "f": "ف", "q": "ق",
            "k": "ك", "l": "ل", "m": "م", "n": "ن", "h": "ه", "w": "و", "y": "ي", "g": "ق",
            "v": "ف", "p": "ب", "c": "ك", "x": "كس", "i": "ي", "u": "و", "o": "و", "e": "",
            "a": ""}


def _is_digit_word(word: str) -> bool:
    """Letters with a letter-digit inside, not a model name ("s24", "a55", "5g", "4k")."""
    w = word.lower()
    if not _DIGIT_WORD.match(w) or w.isdigit():
        return False
    letters = sum(c.isalpha() for c in w)
    return letters >= 2 and not re.fullmatch(r"[a-z]{1,2}\d+|\d+[a-z]{1,2}", w)


# Arabic letters; Arabic-Indic digits ("el tv ١٠٠٣١٦") are typed in Arabizi messages too.
_ARABIC_LETTER = re.compile(r"[\u0621-\u063a\u0641-\u064a\u0671-\u06d3]")


def all_arabizi(text: str) -> bool:
    """Every word is an Arabizi one and none is English ("hala", "slm ya noura"): a short
    opening in Arabic, however few its words."""
    words = [w.lower() for w in re.findall(r"[A-Za-z0-9']+", text) if not w.isdigit()]
    if not [w for w in words if w not in _NEUTRAL] or _ARABIC_LETTER.search(text):
        # Her name, or "salam" (said in English chat as much as in Arabic), alone says
        # nothing about the language; "hala" does.
        return False
    return all((w in _LEXICON or w in _WEAK or _is_digit_word(w)) and w not in _ENGLISH
               and w not in _ENGLISH_TOO for w in words)


_NEUTRAL = frozenset({"noura", "nora", "norah", "nourah", "salam", "salaam", "slm", "slam",
                      "assalam", "assalamu", "alaikum", "alaykum", "aleikum", "3alaikum",
                      "3alaykom", "alaikom"})


def looks_like_arabizi(text: str) -> bool:
    # An email address ("lama.alrashidi68@...") is data, not words of either language.
    text = re.sub(r"\S+@\S+", " ", text)
    words = [w.lower() for w in re.findall(r"[A-Za-z0-9']+", text) if not w.isdigit()]
    if not words or _ARABIC_LETTER.search(text):
        return False
    strong = sum(1 for w in words if _is_digit_word(w) or (w in _LEXICON and w not in _WEAK))
    weak = sum(1 for w in words if w in _WEAK)
    english = sum(1 for w in words if w in _ENGLISH)
    if english > max(1, len(words) // 4):
        return False
    return strong >= 2 or (strong >= 1 and (strong + weak) * 2 >= len(words))


# Words that say a Latin message is written in English as much as in Arabizi ("abi arja3 one of
# the kettles, I'll keep the other"): the reply follows the English.
_ENGLISH_TOO = _ENGLISH | {"hi", "one", "i'll", "ill", "keep", "shipped", "yet", "ok", "okay", "go",
                           "ahead", "long", "much", "many", "take", "takes", "come", "coming",
                           "arrive", "now", "already", "wanna", "gonna", "other", "both", "all",
                           "any", "sure", "know", "tell", "u", "r", "lol", "cancel", "return",
                           "refund", "send", "back", "paid", "pay", "money", "card", "free"}


def writes_english_too(text: str, margin: float = 1.0) -> bool:
    """A Latin message with as many English words as Arabizi ones (and a few of them);
    `margin` > 1 asks for that many times as many (a chat already held in Arabic)."""
    words = [w.lower() for w in re.findall(r"[A-Za-z0-9']+", re.sub(r"\S+@\S+|\bRW-?\d+", " ", text))
             if not w.isdigit()]
    english = sum(1 for w in words if w in _ENGLISH_TOO)
    arabizi = sum(1 for w in words if w not in _ENGLISH_TOO and (
        _is_digit_word(w) or w in _LEXICON or w in _WEAK))
    return english >= 4 and english >= arabizi * margin


def in_arabic_chat(text: str) -> bool:
    """In a conversation held in Arabic, a Latin message with any Arabizi word and no English
    word ("tayb mata youssal?", "ee tamam sawha") is Arabizi too."""
    words = [w.lower() for w in re.findall(r"[A-Za-z0-9']+", text) if not w.isdigit()]
    if not words or re.search(r"\S+@\S+", text):
        return False
    if _ARABIC_LETTER.search(text):
        # "ok w law rja3t el 6alab w ana dafe3 cash, kaif ترجع el floos?": Arabic script and
        # Arabizi in one message; its Latin words are Arabic too when letters are digits in
        # at least two of them.
        return sum(_is_digit_word(w) for w in words) >= 2 and not writes_english_too(text, 2.0)
    if any(w in _ENGLISH for w in words):
        # "ok 5alas cancel el order kolah": Arabic letters written as digits mark Arabizi,
        # English words in it or not, unless English clearly outweighs it.
        return any(_is_digit_word(w) for w in words) and not writes_english_too(text, 2.0)
    return any(_is_digit_word(w) or w in _LEXICON or w in _WEAK for w in words)


def _spell(word: str) -> str:
    w = word.lower()
    # An object pronoun ends many verbs: "arj3ha" is ارجعها, "ab8ahom" ابغاهم.
    for ending, arabic in (("hom", "هم"), ("ha", "ها")):
        if w.endswith(ending) and len(w) > len(ending) + 2:
            return _spell(w[: -len(ending)]) + arabic
    out = []
    i = 0
    if w.startswith(("a", "e", "i", "o", "u")):
        out.append("ا" if not w.startswith(("oo", "ou")) else "ا")
        i = 1
    while i < len(w):
        pair = w[i:i + 2]
        if pair in _DOTTED:  # "3'" or "'3": the dotted letter (al'3i = الغي, 7'las = خلاص)
            out.append(_DOTTED[pair])
            i += 2
            continue
        if w[i] == "'":
            i += 1
            continue
        hit = next((ar for en, ar in _DIGRAPHS if pair == en), None)
        if hit is not None:
            out.append(hit)
            i += 2
            continue
        ch = w[i]
        if ch == "a" and i == len(w) - 1:
            out.append("ه")  # a final -a is usually ta marbuta
        else:
            out.append(_LETTERS.get(ch, ch))
        i += 1
    return "".join(out)


# --- spelling an unknown word by what Arabic speakers actually write -------------------------
# A Latin letter stands for several Arabic ones (h: ه or ح; s: س or ص) and a vowel may be
# written or not ("floosi", "flosi": فلوسي). Every spelling the letters allow is tried, and the
# one most used in written Arabic (wordfreq's counts, which include Gulf social media) wins.
_MULTI: list[tuple[str, tuple[str, ...]]] = [
    ("sh", ("ش",)), ("kh", ("خ",)), ("gh", ("غ",)), ("th", ("ث", "ذ")), ("dh", ("ذ", "ض", "ظ")),
    ("ch", ("تش",)), ("ee", ("ي", "")), ("ii", ("ي",)), ("oo", ("و",)), ("ou", ("و",)),
    ("aa", ("ا",)), ("ei", ("ي",)), ("ai", ("ي", "اي")), ("ay", ("ي", "اي")), ("aw", ("و", "او")),
    *((k, (v,)) for k, v in _DOTTED.items()),
]
_ONE: dict[str, tuple[str, ...]] = {
    "2": ("ء", "ئ", "ؤ", "أ", "ا"), "3": ("ع",), "5": ("خ",), "6": ("ط", "ظ"), "7": ("ح",),
    "8": ("ق", "غ"), "9": ("ص", "ض"), "b": ("ب",), "t": ("ت", "ط"), "j": ("ج",), "d": ("د", "ض"),
    "r": ("ر",), "z": ("ز", "ظ"), "s": ("س", "ص"), "f": ("ف",), "q": ("ق",), "k": ("ك",),
    "l": ("ل",), "m": ("م",), "n": ("ن",), "h": ("ه", "ح"), "w": ("و",), "y": ("ي",),
    "g": ("ق", "ج"), "v": ("ف",), "p": ("ب",), "c": ("ك",), "x": ("كس",), "a": ("", "ا"),
    "e": ("", "ي"), "i": ("", "ي"), "o": ("", "و"), "u": ("", "و"), "'": ("",),
}
_FIRST_VOWEL = {"a": ("ا", "ع"), "e": ("ا", "ع"), "i": ("ا", "ع"), "o": ("ا", "و", "ع"),
                "u": ("ا", "و", "ع")}
_LAST_A = ("ه", "ا", "ي", "")
_MAX_SPELLINGS = 4000
# How common (wordfreq's Zipf scale) a spelling must be to be taken for an unknown word: a
# word written that way a few times per million words, not a rare name.
_COMMON_ARABIC = 3.0
_COMMON_ENGLISH = 3.0
_RARE_ARABIC = 2.0


@functools.lru_cache(maxsize=1)
def _arabic_counts() -> dict[str, float]:
    """Arabic words (normalised as the product normalises text) and their Zipf frequency."""
    try:
        import wordfreq
    except ImportError:  # the speller is an improvement; the lexicon still works without it
        return {}
    counts: dict[str, float] = {}
    for word, freq in wordfreq.get_frequency_dict("ar", wordlist="best").items():
        if freq < 1e-7:  # the list is sorted; rarer words would only add noise
            break
        key = normalize(word)
        counts[key] = max(counts.get(key, 0.0), wordfreq.freq_to_zipf(freq))
    return counts


def preload() -> None:
    """Read the word counts now (under a second), so no customer waits for it."""
    _arabic_counts()


def _english_zipf(word: str) -> float:
    try:
        import wordfreq
    except ImportError:
        return 0.0
    return wordfreq.zipf_frequency(word, "en")


def _spellings(word: str) -> list[tuple[str, int]]:
    """The Arabic spellings the Latin letters allow (bounded), each with how many written
    vowels it leaves out: "mareed" is more likely مريض than مرض."""
    out: list[tuple[str, int]] = [("", 0)]
    i = 0
    while i < len(word):
        pair = word[i:i + 2]
        choices: tuple[str, ...] | None = next((ar for en, ar in _MULTI if en == pair), None)
        step = 2 if choices is not None else 1
        ch = word[i]
        if choices is None and word.endswith(("ha", "hom", "hum")) and i == word.rfind("h") and i > 1:
            # An object pronoun at the end: "raqmha" رقمها, "arj3hom" ارجعهم.
            return [(o + ("ها" if word.endswith("ha") else "هم"), n) for o, n in out]
        if choices is None:
            if i == 0 and ch in _FIRST_VOWEL:
                choices = _FIRST_VOWEL[ch]
            elif ch == "a" and i == len(word) - 1:
                choices = _LAST_A
            elif ch in "ie" and i == len(word) - 1:
                choices = ("ي",)  # "sharikti" شركتي: a final i is written
            elif ch in "ou" and i == len(word) - 1:
                choices = ("و",)
            elif i and ch == word[i - 1] and ch.isalpha() and ch not in "aeiou":
                choices = ("",)  # a doubled consonant is one letter with a shadda
            else:
                choices = _ONE.get(ch)
            if choices is None:
                return []
        # A short vowel is often typed where Arabic writes nothing ("tosal" توصل); a long
        # one ("ee") or a final one is almost always a letter.
        vowel = all(c in "aeiou" for c in word[i:i + step])
        cost = 4 if step == 2 or i + step == len(word) else 1
        out = [(o + c, n + (cost if vowel and not c else 0)) for o, n in out for c in choices]
        out = out[:_MAX_SPELLINGS]
        i += step
    return out


# What leaving out a short vowel the customer wrote costs, in Zipf points (a long or final
# one costs four times as much).
_DROP_COST = 0.25


@functools.lru_cache(maxsize=4096)
def best_spelling(word: str) -> tuple[str, float] | None:
    """The most likely Arabic word these Latin letters spell, with its Zipf frequency."""
    counts = _arabic_counts()
    if not counts or not re.fullmatch(r"[a-z235679'8]+", word):
        return None
    scored = [(c, counts.get(normalize(c), 0.0), n) for c, n in _spellings(word) if c]
    scored = [t for t in scored if t[1] > 0]
    if not scored:
        return None
    best = max(scored, key=lambda t: t[1] - _DROP_COST * t[2])
    return best[0], best[1]


# Names customers type in Latin letters inside Arabizi; they stay as they are ("rawaf care").
_BRANDS = frozenset({"rawaf", "care", "samsung", "apple", "sony", "huawei", "xiaomi", "lg", "bosch",
                     "philips", "dyson", "midea", "jbl", "anker", "asus", "lenovo", "hp", "dell",
                     "tabby", "tamara", "mada", "stc", "aramex", "smsa", "iphone", "ipad", "galaxy",
                     "airpods", "buds", "macbook", "playstation", "ps5", "xbox", "nintendo"})


def _unknown_word(low: str) -> str | None:
    """An Arabizi word no lexicon entry covers, in Arabic script, when it is clearly one."""
    if (low in _ENGLISH_TOO or low in _WEAK or low in _NEUTRAL or low in _BRANDS or len(low) < 3
            or not re.search(r"[aeiou2-9]", low)):
        # (No vowel and no digit, "jbl", "lg": a brand or an abbreviation.)
        return None
    if re.search(r"\d", low) and not _is_digit_word(low):
        return None  # "al8", "rw100": not a word spelled with digits
    found = best_spelling(low)
    if found is None:
        return None
    spelled, zipf = found
    if _is_digit_word(low):
        # Short ones ("al8", "7ag") collide with too many common words: spelled by letter.
        return spelled if zipf >= 1.0 and len(low) > 4 else None
    # A Latin word with no digit may be English ("charger", "airpods"): only a spelling that
    # is common Arabic, and clearly more common than the word is in English, is taken.
    english = _english_zipf(low)
    if zipf >= _COMMON_ARABIC and english < min(_COMMON_ENGLISH, zipf - 1.0):
        return spelled
    if english < 1.0 and zipf >= _RARE_ARABIC:
        return spelled  # no English word at all ("floosi", "thnteen"): a rarer word will do
    return None
    return None


# "ma tshḥen", "ṣalāt": the dotted and barred letters of a scholarly transliteration are the
# chat alphabet's digits and plain vowels.
_MARKED = str.maketrans({"ḥ": "7", "Ḥ": "7", "ṣ": "9", "Ṣ": "9", "ṭ": "6", "Ṭ": "6", "ḍ": "9'",
                         "ẓ": "6'", "ʿ": "3", "ʾ": "2", "ā": "a", "ī": "i", "ū": "u", "ġ": "gh",
                         "š": "sh", "ḫ": "kh", "ḵ": "kh", "ṯ": "th", "ḏ": "dh", "ē": "e", "ō": "o"})


def unmark(text: str) -> str:
    """The message with transliteration marks written the chat way ("tshḥen" -> "tsh7en")."""
    return text.translate(_MARKED)


def to_arabic(text: str) -> str:
    """The message in Arabic script; English words, numbers and order ids stay as they are."""
    out: list[str] = []
    attach = ""
    for tok in _TOKEN.findall(text):
        if _KEPT.search(tok):
            out.append(attach + " " + tok if attach else tok)
            attach = ""
            continue
        low = tok.lower()
        if low == "walla" and out and "?" in text:
            # "bot walla insan?": between two choices it is "or" (ولا), not an oath.
            low = "wala"
        if low in {"el", "al", "il"} or low in {"w", "wa"}:
            attach += _LEXICON[low]
            continue
        if low in {"lil", "lel"}:
            attach += "لل"
            continue
        if low in {"b", "bi", "l", "li"} and not attach:
            # "b flos", "l riyadh": the one-letter preposition is written on its word (بفلوس).
            attach = "ب" if low.startswith("b") else "ل"
            continue
        if low not in _LEXICON and low.startswith(("el", "al")) and len(low) > 3 and (
                low[2:] in _LEXICON or _is_digit_word(low[2:])):
            attach += "ال"
            low = low[2:]
        if low in _LEXICON:
            word = _LEXICON[low]
        elif (spelled := _unknown_word(low)) is not None:
            word = spelled
        elif _is_digit_word(low):
            word = _spell(low)
        else:
            word = tok
        if attach.endswith("لل") and word.startswith("ال"):
            word = word[2:]
        elif attach == "ل" and word.startswith("ال"):
            word = "ل" + word[2:]  # "l riyadh": للرياض
        elif attach.endswith("ال") and word.startswith("ال"):
            word = word[2:]
        if word is tok and attach:
            # "el galaxy buds": a word left in Latin letters (a product, a brand) keeps its
            # own form, so it is still found as itself.
            out.append(attach)
            attach = ""
        out.append(attach + word)
        attach = ""
    if attach:
        out.append(attach)
    text_out = " ".join(out)
    return re.sub(r"\s+([?!.,؟،])", r"\1", text_out).replace("?", "؟").replace(",", "،")
