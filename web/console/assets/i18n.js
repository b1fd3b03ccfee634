// Every label of the console in both languages, and the helpers that apply them.

const en = {
  "brand": "Rawaf",
  "console.title": "Rawaf agent console",
  "login.title": "Sign in · Rawaf agent console",
  "login.heading": "Sign in to the agent console",
  "login.username": "Username",
  "login.password": "Password",
  "login.submit": "Sign in",
  "login.missing": "Enter your username and password.",
  "login.wrong": "Wrong username or password.",
  "login.bye": "You have signed out.",
  "login.network": "The server cannot be reached. Check your connection and try again.",
  "skip.conversation": "Skip to the conversation",
  "skip.content": "Skip to the content",
  "nav.label": "Console",
  "nav.queue": "Queue",
  "nav.supervisor": "Supervisor",
  "lang.switch": "العربية",
  "lang.switch.label": "التبديل إلى العربية (Switch to Arabic)",
  "logout": "Log out",
  "me": "{name} · {role}",
  "role.agent": "Agent", "role.supervisor": "Supervisor", "role.admin": "Admin",
  "live.on": "Live", "live.off": "Reconnecting…",
  "queue.title": "Queue",
  "queue.count": "{n} open",
  "queue.empty": "Nobody is waiting. New handoffs appear here as they arrive.",
  "filter.language": "Language", "filter.skill": "Team", "filter.all": "All",
  "filter.mine": "Only mine",
  "language.ar": "Arabic", "language.en": "English",
  "priority.urgent": "Urgent", "priority.high": "High", "priority.normal": "Normal",
  "priority.low": "Low",
  "status.queued": "Waiting", "status.claimed": "With {agent}", "status.claimed.me": "With you",
  "status.resolved": "Resolved", "status.returned": "Back with the assistant",
  "skill.general": "General", "skill.complaints": "Complaints", "skill.payments": "Payments",
  "skill.refunds": "Refunds", "skill.safety": "Safety", "skill.fraud": "Fraud & security",
  "skill.vip": "VIP care",
  "time.waiting": "Waiting {m}",
  "time.waited": "Waited {m}",
  "time.left": "SLA: {m} left",
  "time.breached": "SLA breached by {m}",
  "time.met": "Picked up within SLA",
  "time.late": "Picked up after the SLA",
  "minutes": "{n} min", "hours": "{h} h {m} min",
  "conv.empty": "Choose a conversation from the queue.",
  "conv.title": "{name} · {id}",
  "conv.anonymous": "Unverified customer",
  "conv.new": "New message",
  "action.group": "Actions",
  "action.claim": "Claim", "action.resolve": "Resolve",
  "action.handback": "Hand back to the assistant", "action.transfer": "Transfer",
  "transfer.skill": "To a team", "transfer.keep": "—",
  "transfer.agent": "Or to a colleague (username)", "transfer.submit": "Transfer",
  "transfer.missing": "Choose a team or type a colleague's username.",
  "done.claim": "The conversation is yours. The customer has been told you joined.",
  "done.resolve": "Resolved. The customer has been thanked.",
  "done.handback": "Handed back to the assistant.",
  "done.transfer": "Transferred.",
  "done.note": "Note added (not visible to the customer).",
  "packet.title": "Handoff summary",
  "packet.suggested": "Suggested first reply",
  "packet.use": "Use suggested reply",
  "packet.rules": "Rules fired",
  "packet.tried": "What the assistant tried",
  "packet.trajectory": "Frustration over the conversation",
  "packet.trajectory.label": "Frustration per customer message: {points}",
  "packet.none": "Nothing yet",
  "packet.missing": "No packet for this handoff.",
  "level.calm": "calm", "level.annoyed": "annoyed", "level.frustrated": "frustrated",
  "level.angry": "angry",
  "transcript.title": "Conversation",
  "role.customer": "Customer", "role.assistant": "Assistant", "role.system": "Notice",
  "role.agent.named": "{name} (team)",
  "reply.label": "Reply to the customer",
  "reply.send": "Send",
  "reply.hint": "Ctrl+Enter sends. The customer sees it at once.",
  "reply.locked": "Claim the conversation to reply.",
  "reply.other": "{agent} is handling this conversation.",
  "reply.closed": "This handoff is closed.",
  "notes.title": "Internal notes",
  "notes.hint": "Only colleagues see these, never the customer.",
  "notes.label": "New note", "notes.add": "Add note", "notes.empty": "No notes yet.",
  "customer.title": "Customer",
  "customer.none": "Not verified yet: no profile or orders to show.",
  "customer.name": "Name", "customer.tier": "Tier", "customer.email": "Email",
  "customer.phone": "Mobile", "customer.city": "City", "customer.since": "Customer since",
  "customer.language": "Language", "customer.notes": "CRM notes",
  "tier.standard": "Standard", "tier.silver": "Silver", "tier.gold": "Gold", "tier.vip": "VIP",
  "orders.title": "Recent orders", "orders.none": "No orders.",
  "order.total": "{total} SAR", "order.items": "{n} item(s)",
  "order.pending": "Pending", "order.processing": "Processing", "order.shipped": "Shipped",
  "order.out_for_delivery": "Out for delivery", "order.delivered": "Delivered",
  "order.return_requested": "Return requested", "order.cancelled": "Cancelled",
  "order.returned": "Returned", "order.refunded": "Refunded",
  "error.generic": "That did not work: {detail}",
  "error.network": "The server cannot be reached; retrying.",
  "sup.title": "Supervisor dashboard · Rawaf",
  "sup.heading": "Supervisor dashboard",
  "sup.day": "Day",
  "sup.now": "Right now",
  "sup.open": "Open handoffs", "sup.waiting": "Waiting for a person",
  "sup.breaching": "Breaching SLA",
  "sup.dayTitle": "{day} ({zone})",
  "sup.hourly": "Conversations and handoffs by hour",
  "sup.hourly.conversations": "Conversations", "sup.hourly.handoffs": "Handoffs",
  "sup.hourly.label": "{c} conversations and {h} handoffs; busiest hour {hour}:00",
  "sup.containment": "Containment rate",
  "sup.escalation": "Escalation rate",
  "sup.csat": "Customer satisfaction (CSAT)",
  "sup.fcr": "First-contact resolution",
  "sup.frt": "Median first response",
  "sup.of": "{a} of {b} conversations",
  "sup.callbacks": "{n} became callback tickets",
  "sup.csat.sub": "{n} answers · {share} gave 4 or 5",
  "sup.csat.none": "No answers yet",
  "sup.fcr.sub": "{a} of {b} resolved · {t} transferred · {r} reopened",
  "sup.provisional": "provisional until 24 h after the day",
  "sup.frt.sub": "{a} answered · {u} not yet",
  "sup.reasons.none": "No escalations",
  "sup.contained": "Contained", "sup.escalated": "Escalated",
  "sup.first": "First contact", "sup.transferred": "Transferred", "sup.reopened": "Reopened",
  "sup.score": "Score {s}",
  "def.containment": "Conversations whose first customer message was this day and that never went to a person (no handoff, no callback ticket).",
  "def.escalation": "The rest: handed to a person or to a callback. Bars: the day's escalations by the rule that decided them.",
  "def.csat": "Mean rating (1–5) of the answers given this day.",
  "def.fcr": "Handoffs resolved this day with no transfer and no new handoff of the same conversation within 24 hours.",
  "def.frt": "From the handoff (the customer starts waiting) to the first message a person wrote. Dots: each handoff.",
  "rule.safety_issue": "Safety issue",
  "rule.legal_or_regulator_threat": "Legal or regulator threat",
  "rule.fraud_or_account_takeover": "Fraud or account takeover",
  "rule.refund_above_auto_approval": "Refund above auto-approval",
  "rule.vip_complaint": "VIP complaint",
  "rule.angry_customer": "Angry customer",
  "rule.explicit_human_request": "Asked for a person",
  "rule.low_retrieval_twice": "Knowledge base missed twice",
  "rule.no_progress": "No progress",
  "rule.unspecified": "Unspecified",
};

const ar = {
  "brand": "رواف",
  "console.title": "لوحة موظفي رواف",
  "login.title": "تسجيل الدخول · لوحة موظفي رواف",
  "login.heading": "تسجيل الدخول إلى لوحة الموظفين",
  "login.username": "اسم المستخدم",
  "login.password": "كلمة المرور",
  "login.submit": "دخول",
  "login.missing": "أدخل اسم المستخدم وكلمة المرور.",
  "login.wrong": "اسم المستخدم أو كلمة المرور غير صحيحة.",
  "login.bye": "تم تسجيل خروجك.",
  "login.network": "تعذّر الوصول إلى الخادم. تحقق من الاتصال وحاول مرة أخرى.",
  "skip.conversation": "انتقل إلى المحادثة",
  "skip.content": "انتقل إلى المحتوى",
  "nav.label": "اللوحة",
  "nav.queue": "قائمة الانتظار",
  "nav.supervisor": "لوحة المشرف",
  "lang.switch": "English",
  "lang.switch.label": "Switch to English (التبديل إلى الإنجليزية)",
  "logout": "تسجيل الخروج",
  "me": "{name} · {role}",
  "role.agent": "موظف", "role.supervisor": "مشرف", "role.admin": "مسؤول النظام",
  "live.on": "مباشر", "live.off": "جارٍ إعادة الاتصال…",
  "queue.title": "قائمة الانتظار",
  "queue.count": "{n} مفتوحة",
  "queue.empty": "لا أحد في الانتظار. تظهر التحويلات الجديدة هنا فور وصولها.",
  "filter.language": "اللغة", "filter.skill": "الفريق", "filter.all": "الكل",
  "filter.mine": "المسندة إليّ فقط",
  "language.ar": "العربية", "language.en": "الإنجليزية",
  "priority.urgent": "عاجل", "priority.high": "مرتفع", "priority.normal": "عادي",
  "priority.low": "منخفض",
  "status.queued": "بانتظار موظف", "status.claimed": "مع {agent}", "status.claimed.me": "معك",
  "status.resolved": "تم الحل", "status.returned": "عادت إلى المساعد",
  "skill.general": "عام", "skill.complaints": "الشكاوى", "skill.payments": "المدفوعات",
  "skill.refunds": "الاستردادات", "skill.safety": "السلامة", "skill.fraud": "الاحتيال والأمان",
  "skill.vip": "كبار العملاء",
  "time.waiting": "ينتظر منذ {m}",
  "time.waited": "انتظر {m}",
  "time.left": "المهلة: متبقٍ {m}",
  "time.breached": "تجاوز المهلة بـ {m}",
  "time.met": "استُلمت ضمن المهلة",
  "time.late": "استُلمت بعد انتهاء المهلة",
  "minutes": "{n} د", "hours": "{h} س {m} د",
  "conv.empty": "اختر محادثة من قائمة الانتظار.",
  "conv.title": "{name} · {id}",
  "conv.anonymous": "عميل لم يتم التحقق منه",
  "conv.new": "رسالة جديدة",
  "action.group": "الإجراءات",
  "action.claim": "استلام", "action.resolve": "تم الحل",
  "action.handback": "إعادة إلى المساعد", "action.transfer": "تحويل",
  "transfer.skill": "إلى فريق", "transfer.keep": "—",
  "transfer.agent": "أو إلى زميل (اسم المستخدم)", "transfer.submit": "تحويل",
  "transfer.missing": "اختر فريقًا أو اكتب اسم مستخدم الزميل.",
  "done.claim": "المحادثة معك الآن، وتم إبلاغ العميل بانضمامك.",
  "done.resolve": "تم إغلاق المحادثة وشكر العميل.",
  "done.handback": "أعيدت المحادثة إلى المساعد.",
  "done.transfer": "تم التحويل.",
  "done.note": "أضيفت الملاحظة (لا يراها العميل).",
  "packet.title": "ملخص التحويل",
  "packet.suggested": "رد أول مقترح",
  "packet.use": "استخدم الرد المقترح",
  "packet.rules": "القواعد المفعّلة",
  "packet.tried": "ما جرّبه المساعد",
  "packet.trajectory": "مستوى انزعاج العميل خلال المحادثة",
  "packet.trajectory.label": "مستوى الانزعاج لكل رسالة من العميل: {points}",
  "packet.none": "لا شيء بعد",
  "packet.missing": "لا يوجد ملخص لهذا التحويل.",
  "level.calm": "هادئ", "level.annoyed": "منزعج", "level.frustrated": "محبط", "level.angry": "غاضب",
  "transcript.title": "المحادثة",
  "role.customer": "العميل", "role.assistant": "المساعد", "role.system": "إشعار",
  "role.agent.named": "{name} (الفريق)",
  "reply.label": "الرد على العميل",
  "reply.send": "إرسال",
  "reply.hint": "Ctrl+Enter للإرسال. يصل الرد إلى العميل فورًا.",
  "reply.locked": "استلم المحادثة لتتمكن من الرد.",
  "reply.other": "{agent} يتولى هذه المحادثة.",
  "reply.closed": "هذا التحويل مغلق.",
  "notes.title": "ملاحظات داخلية",
  "notes.hint": "يراها الزملاء فقط، ولا تظهر للعميل أبدًا.",
  "notes.label": "ملاحظة جديدة", "notes.add": "إضافة ملاحظة", "notes.empty": "لا توجد ملاحظات بعد.",
  "customer.title": "العميل",
  "customer.none": "لم يتم التحقق من العميل بعد: لا ملف ولا طلبات لعرضها.",
  "customer.name": "الاسم", "customer.tier": "الفئة", "customer.email": "البريد الإلكتروني",
  "customer.phone": "الجوال", "customer.city": "المدينة", "customer.since": "عميل منذ",
  "customer.language": "اللغة", "customer.notes": "ملاحظات النظام",
  "tier.standard": "عادية", "tier.silver": "فضية", "tier.gold": "ذهبية", "tier.vip": "مميزة (VIP)",
  "orders.title": "الطلبات الأخيرة", "orders.none": "لا توجد طلبات.",
  "order.total": "{total} ريال", "order.items": "{n} منتج",
  "order.pending": "قيد الانتظار", "order.processing": "قيد التجهيز", "order.shipped": "تم الشحن",
  "order.out_for_delivery": "خرج للتوصيل", "order.delivered": "تم التوصيل",
  "order.return_requested": "طلب إرجاع", "order.cancelled": "ملغي",
  "order.returned": "مُرجَع", "order.refunded": "مُسترد",
  "error.generic": "تعذّر تنفيذ الطلب: {detail}",
  "error.network": "تعذّر الوصول إلى الخادم؛ نحاول مجددًا.",
  "sup.title": "لوحة المشرف · رواف",
  "sup.heading": "لوحة المشرف",
  "sup.day": "اليوم",
  "sup.now": "الآن",
  "sup.open": "تحويلات مفتوحة", "sup.waiting": "بانتظار موظف",
  "sup.breaching": "تجاوزت مهلة الخدمة",
  "sup.dayTitle": "{day} ({zone})",
  "sup.hourly": "المحادثات والتحويلات حسب الساعة",
  "sup.hourly.conversations": "المحادثات", "sup.hourly.handoffs": "التحويلات",
  "sup.hourly.label": "{c} محادثة و{h} تحويل؛ أكثر ساعة ازدحامًا {hour}:00",
  "sup.containment": "نسبة الاحتواء",
  "sup.escalation": "نسبة التحويل إلى موظف",
  "sup.csat": "رضا العملاء (CSAT)",
  "sup.fcr": "الحل من أول تواصل",
  "sup.frt": "وسيط زمن أول رد",
  "sup.of": "{a} من {b} محادثة",
  "sup.callbacks": "{n} تحولت إلى طلب معاودة اتصال",
  "sup.csat.sub": "{n} تقييم · {share} أعطوا 4 أو 5",
  "sup.csat.none": "لا توجد تقييمات بعد",
  "sup.fcr.sub": "{a} من {b} تم حلها · {t} حُوّلت · {r} أعيد فتحها",
  "sup.provisional": "مؤقت حتى مرور 24 ساعة على نهاية اليوم",
  "sup.frt.sub": "{a} تم الرد عليها · {u} لم يُرد عليها بعد",
  "sup.reasons.none": "لا توجد تحويلات",
  "sup.contained": "احتواها المساعد", "sup.escalated": "حُوّلت",
  "sup.first": "من أول تواصل", "sup.transferred": "حُوّلت", "sup.reopened": "أعيد فتحها",
  "sup.score": "التقييم {s}",
  "def.containment": "المحادثات التي بدأت أول رسالة للعميل فيها هذا اليوم ولم تصل إلى موظف (لا تحويل ولا طلب معاودة اتصال).",
  "def.escalation": "البقية: حُوّلت إلى موظف أو إلى معاودة اتصال. الأعمدة: تحويلات اليوم حسب القاعدة التي قررتها.",
  "def.csat": "متوسط التقييم (من 1 إلى 5) للإجابات المقدمة هذا اليوم.",
  "def.fcr": "التحويلات التي حُلّت هذا اليوم دون تحويل لفريق آخر ودون تحويل جديد للمحادثة نفسها خلال 24 ساعة.",
  "def.frt": "من لحظة التحويل (بدء انتظار العميل) حتى أول رسالة يكتبها موظف. النقاط: كل تحويل.",
  "rule.safety_issue": "مشكلة تتعلق بالسلامة",
  "rule.legal_or_regulator_threat": "تهديد قانوني أو شكوى لجهة رسمية",
  "rule.fraud_or_account_takeover": "احتيال أو اختراق حساب",
  "rule.refund_above_auto_approval": "استرداد فوق حد الموافقة التلقائية",
  "rule.vip_complaint": "شكوى عميل مميز",
  "rule.angry_customer": "عميل غاضب",
  "rule.explicit_human_request": "طلب التحدث مع موظف",
  "rule.low_retrieval_twice": "لم تجد قاعدة المعرفة إجابة مرتين",
  "rule.no_progress": "لا تقدم في المحادثة",
  "rule.unspecified": "غير محدد",
};

// What the packet's `tried` list says (English in the packet) in Arabic.
const TRIED_AR = {
  "verified the customer by order number and contact": "تحقق من هوية العميل برقم الطلب ووسيلة التواصل",
  "looked up the order": "اطلع على الطلب",
  "listed the customer's orders": "عرض طلبات العميل",
  "tracked the shipment": "تتبع الشحنة",
  "tried to cancel the order": "حاول إلغاء الطلب",
  "tried to book a return": "حاول تسجيل إرجاع",
  "tried to issue a refund": "حاول إصدار استرداد",
  "opened a ticket": "فتح تذكرة",
  "looked up the profile": "اطلع على الملف",
  "answered from the knowledge base": "أجاب من قاعدة المعرفة",
  "asked to clarify": "طلب التوضيح",
};

const DICT = { en, ar };
const listeners = [];
let current = document.documentElement.lang === "en" ? "en" : "ar";

export const lang = () => current;
export const other = () => (current === "ar" ? "en" : "ar");
// Gregorian dates and Western digits in both languages, as the rest of the company writes them.
export const locale = () => (current === "ar" ? "ar-u-ca-gregory-nu-latn" : "en-GB");

export function t(key, vars = {}) {
  return tIn(current, key, vars);
}

// In a given language, whatever the console's (e.g. an error shown in both).
export function tIn(language, key, vars = {}) {
  const text = DICT[language]?.[key] ?? DICT.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

// A label that may be missing from the dictionary (a new rule or team): fall back to the id.
export function label(prefix, id) {
  const key = `${prefix}.${id}`;
  return key in DICT.en ? t(key) : String(id).replaceAll("_", " ");
}

export function tried(text) {
  return current === "ar" ? TRIED_AR[text] ?? text : text;
}

export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
}

export function setLang(next) {
  current = next === "en" ? "en" : "ar";
  document.documentElement.lang = current;
  document.documentElement.dir = current === "ar" ? "rtl" : "ltr";
  translate();
  for (const fn of listeners) fn(current);
}

export const onLang = (fn) => listeners.push(fn);

// The direction of a text, as the server decides a message's language: Arabic when at least
// 30% of its letters are Arabic (so "ابغى اسوي cancel" stays right-to-left).
export function textDir(text) {
  const arabic = (text.match(/[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]/g) || []).length;
  const latin = (text.match(/[A-Za-z]/g) || []).length;
  if (!arabic && !latin) return "auto";
  return arabic / (arabic + latin) >= 0.3 ? "rtl" : "ltr";
}

export function duration(minutes) {
  const total = Math.max(0, Math.round(Math.abs(minutes)));
  if (total < 60) return t("minutes", { n: total });
  return t("hours", { h: Math.floor(total / 60), m: total % 60 });
}

export function number(value, digits = 0) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(value);
}

export function percent(value) {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 1 }).format(value);
}

export function clock(iso) {
  return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

export function day(iso) {
  return new Intl.DateTimeFormat(locale(), { day: "numeric", month: "long", year: "numeric" })
    .format(new Date(iso));
}
