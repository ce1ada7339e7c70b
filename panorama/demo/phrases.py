"""What the demo's calls, meetings, notes, tasks, deals, tickets, surveys and news say.

Templates with slots in braces, filled by the history generator with the same slot values as
e-mails (``phrases_mail.SLOTS``) plus ``{name}`` (a contact's full name). Tone keys are
``positive``, ``neutral`` and ``negative``. Pure data: changing a text or its order changes
the data every seed produces.
"""

from __future__ import annotations

VENDOR = "Panorama Demo"
# Competitors named in conversations; ``panorama demo --competitors`` replaces them.
DEFAULT_COMPETITORS = ("Lumetrics", "Dashwise", "Statlane", "Metricbird", "Chartwell")
FEATURES = (
    "reports",
    "dashboards",
    "alerts",
    "scheduled reports",
    "search",
    "exports",
    "shared workspaces",
    "custom metrics",
)
INTEGRATIONS = ("Salesforce", "HubSpot", "Slack", "Zendesk", "Jira", "Snowflake", "Intercom")
TEAMS = ("finance", "support", "marketing", "operations", "sales", "product", "customer success")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
PRODUCTS = {
    "Starter": "Starter plan",
    "Growth": "Growth plan",
    "Business": "Business plan",
    "Enterprise": "Enterprise plan",
}
ADD_ONS = ("Onboarding package", "Premium support", "Extra seats", "Data warehouse connector")

# --- calls ---------------------------------------------------------------------------------

CALL_PURPOSES = ("check-in", "renewal", "issue", "onboarding", "pricing", "adoption")
CALL_NOTES: dict[str, dict[str, tuple[str, ...]]] = {
    "check-in": {
        "positive": (
            "Spoke with {name}. Happy with {feature}; the {team} team uses it daily. Wants to "
            "connect {integration} next quarter. Next step: send the {integration} guide.",
            "Good call with {name}. Adoption is growing and they mentioned adding seats for "
            "the {team} team. Agreed to follow up with pricing by {weekday}.",
        ),
        "neutral": (
            "Check-in with {name}. Usage is steady. Asked about permissions in {feature}; "
            "I'll send documentation. No risks raised.",
            "Short call with {name}. Busy quarter on their side; they'll review {feature2} "
            "with the team next month.",
        ),
        "negative": (
            "Tough call with {name}. Frustrated: {problem}. Says the team is losing trust in "
            "the product. Escalated to support; follow-up on {weekday}.",
            "{name} was unhappy: {problem}. Mentioned that {competitor} reached out to them. "
            "Risk of churn; need an exec sponsor call.",
        ),
    },
    "renewal": {
        "positive": (
            "Great renewal call with {name}. Happy to renew on {plan} and is considering "
            "{next_plan}. Sending the quote by {weekday}; signature expected before "
            "{renewal_date}.",
        ),
        "neutral": (
            "Renewal call with {name}. Needs pricing for a two-year term; finance will decide "
            "by {date}. Offered {discount}% for multi-year.",
        ),
        "negative": (
            "Renewal call with {name}. Budget cut by 20%; comparing us with {competitor}. "
            "Asked for {discount}% off. Renewal at risk.",
            "{name} said the renewal is on hold until the open issues are fixed: {problem}. "
            "Involving our VP.",
        ),
    },
    "issue": {
        "positive": (
            "Called {name} about the ticket. Fix confirmed, they're happy with the response time.",
        ),
        "neutral": (
            "Walked {name} through the workaround for {feature}. Ticket stays open until the "
            "fix ships on {weekday}.",
        ),
        "negative": (
            "Escalation call with {name}: {problem}. Third incident this month; they are angry "
            "and disappointed. Promised a root-cause report by {weekday}.",
        ),
    },
    "onboarding": {
        "positive": (
            "Good onboarding call with {name}. SSO done, {integration} connected. Training for "
            "the {team} team booked for {weekday}.",
        ),
        "neutral": (
            "Onboarding status with {name}: data import 70% done, SSO pending their IT team.",
        ),
        "negative": (
            "Onboarding is behind: {integration} import failed twice and {name} is worried "
            "about the go-live date.",
        ),
    },
    "pricing": {
        "positive": (
            "{name} asked for a quote for {seats} more seats. Sent it during the call; "
            "expects approval this week.",
        ),
        "neutral": (
            "Pricing questions from {name}: prorating, volume discount, {next_plan}. Will "
            "send a written summary.",
        ),
        "negative": (
            "{name} complained we're too expensive compared with {competitor}. Unhappy with the "
            "price; no commitment without a discount.",
        ),
    },
    "adoption": {
        "positive": (
            "Adoption review with {name}: active users up, {feature} is the most used "
            "feature. Suggested {feature2} for the {team} team.",
        ),
        "neutral": (
            "Adoption review with {name}: half of the seats active. Agreed on a training "
            "session for new users.",
        ),
        "negative": (
            "Adoption review with {name}: usage dropped this month. People went back to "
            "spreadsheets because {problem}.",
        ),
    },
}
VOICEMAILS = (
    "Left a voicemail for {name} about {topic}. Will try again on {weekday}.",
    "No luck reaching {name}; left a message about {topic} and sent a follow-up e-mail.",
    "Voicemail: asked {name} to call back about {topic}.",
)
NO_ANSWERS = (
    "Tried to reach {name} about {topic}, no answer.",
    "Called {name}, no answer. Will follow up by e-mail.",
    "",
)
CALL_TOPICS = ("the renewal", "the open ticket", "the QBR", "the rollout", "their usage")

# --- meetings ------------------------------------------------------------------------------

MEETING_TITLES: dict[str, tuple[str, ...]] = {
    "discovery": (
        "Discovery call: {company}",
        "{company} <> {vendor}: discovery",
        "Intro call with {company}",
    ),
    "demo": (
        "Product demo for {company}",
        "{vendor} demo: {feature} and {integration}",
        "Demo for the {team} team",
    ),
    "negotiation": (
        "Commercial discussion: {company}",
        "Renewal negotiation with {company}",
        "Contract terms review",
    ),
    "review": (
        "Health check: {company}",
        "Onboarding review",
        "Escalation review: {feature}",
        "Adoption review with the {team} team",
    ),
    "qbr": ("{quarter} business review: {company}", "{company} QBR ({quarter})"),
}
MEETING_AGENDAS: dict[str, tuple[str, ...]] = {
    "discovery": (
        "1. Introductions\n2. Current process and tools\n3. Goals for {quarter}\n4. Next steps",
        "1. Your team and use cases\n2. Pain points with the current setup\n3. Timeline and budget",
    ),
    "demo": (
        "1. {feature} walkthrough\n2. {integration} integration\n3. Questions\n4. Trial plan",
        "1. Recap of your goals\n2. Live demo of {feature} and {feature2}\n3. Pricing overview",
    ),
    "negotiation": (
        "1. Proposal recap\n2. Pricing and term\n3. Legal and security review\n4. Timeline "
        "to signature",
        "1. Renewal options\n2. Seats and plan\n3. Discount for a multi-year term",
    ),
    "review": (
        "1. Usage since last review\n2. Open tickets\n3. Adoption by team\n4. Actions",
        "1. Status of the open issues\n2. Root cause and fixes\n3. Next steps",
    ),
    "qbr": (
        "1. Goals from last quarter\n2. Usage and adoption\n3. Support summary\n4. Roadmap "
        "for {quarter}\n5. Goals for next quarter",
    ),
}
MEETING_NOTES: dict[str, dict[str, tuple[str, ...]]] = {
    "discovery": {
        "positive": (
            "{name} described a manual reporting process that takes two days a month. "
            "Strong fit for {feature}; budget exists and they want to start in {quarter}.",
        ),
        "neutral": (
            "They use spreadsheets and {integration} today. Interested, but the project is "
            "not a priority until {quarter}.",
        ),
        "negative": (
            "Little urgency and a poor fit. {name} is also talking to {competitor} and mostly "
            "wanted pricing.",
        ),
    },
    "demo": {
        "positive": (
            "Great reaction to {feature}; {name} asked for a trial for the {team} team. "
            "Questions about SSO and {integration} answered.",
        ),
        "neutral": (
            "Demo went fine. They liked {feature} but need {feature2} by region. Will share "
            "a recording.",
        ),
        "negative": (
            "Demo was cut short: {name} said {competitor} already covers most of what they "
            "need. Objection on price.",
        ),
    },
    "negotiation": {
        "positive": (
            "Agreed on {seats} seats, two-year term, {discount}% discount. Legal review "
            "next; signature planned before {date}.",
        ),
        "neutral": (
            "Discussed the term and price. They want {discount}% off; we offered a two-year "
            "lock instead. Waiting for their finance team.",
        ),
        "negative": (
            "Difficult discussion: they want a price cut and mentioned {competitor}'s offer. "
            "No agreement yet; {name} needs approval from the CFO.",
        ),
    },
    "review": {
        "positive": (
            "Great review: usage up across the board, all tickets solved. {name} wants "
            "{feature2} for the {team} team.",
        ),
        "neutral": (
            "Adoption is uneven: strong in the {team} team, low elsewhere. Agreed on two "
            "training sessions.",
        ),
        "negative": (
            "Several open tickets; {problem}. {name} is unhappy with the response times and "
            "asked for an escalation path.",
        ),
    },
    "qbr": {
        "positive": (
            "Goals met: {feature} rolled out to the {team} team, reporting time down by half. "
            "Excellent feedback; discussed expansion to {seats} more seats and {next_plan}.",
        ),
        "neutral": (
            "Reviewed usage and tickets. Goals for next quarter: connect {integration}, "
            "train new users. No change to the contract planned.",
        ),
        "negative": (
            "Usage is down and the team is frustrated: {problem}. {name} mentioned reviewing "
            "alternatives before the renewal.",
        ),
    },
}
MEETING_OUTCOMES: dict[str, tuple[str, ...]] = {
    "positive": (
        "Next steps agreed; follow-up booked.",
        "Positive; moving forward with the proposal.",
        "Customer committed to the rollout plan.",
    ),
    "neutral": (
        "Follow-up needed; waiting for their decision.",
        "Action items shared; next review in a month.",
    ),
    "negative": (
        "At risk: escalation plan needed.",
        "No agreement; exec sponsor to get involved.",
    ),
}

# --- notes and tasks -----------------------------------------------------------------------

NOTES: dict[str, tuple[str, ...]] = {
    "positive": (
        "Strong relationship with {name}. Good candidate for a case study.",
        "Expansion opportunity: the {team} team wants access. Talk pricing at the next QBR.",
        "Good news from {name}: {company} is hiring in the {team} team; more seats likely.",
        "Renewal looks safe. Champion is {name}; exec sponsor engaged.",
    ),
    "neutral": (
        "Account plan: focus on {feature2} adoption this quarter.",
        "Main contact is {name}; decisions go through procurement.",
        "Usage steady. Nothing to report; next touchpoint at the QBR.",
        "Handover notes: {name} owns the project; {integration} connected.",
    ),
    "negative": (
        "Risk: {name} compared us with {competitor} twice this month. Need exec alignment.",
        "Churn risk. Unresolved problems with {feature}, late payments, poor engagement.",
        "Escalated internally: {problem}. Customer expects a fix before the renewal.",
        "No reply to the last three e-mails. Try another contact at {company}.",
    ),
}
TASKS: tuple[tuple[str, str], ...] = (  # title, description
    ("Send renewal proposal to {company}", "Include the two-year option and updated pricing."),
    ("Schedule {quarter} QBR with {name}", "Propose two slots; share the agenda beforehand."),
    ("Follow up on the {feature} issue", "Check the ticket status and update {name}."),
    ("Prepare onboarding plan for {company}", "Kick-off, import, SSO, training."),
    ("Check in with {name}", "No contact in a while; ask about adoption."),
    ("Share {integration} setup guide", "Send the guide and offer a call."),
    ("Send pricing for additional seats", "{seats} seats for the {team} team."),
    ("Confirm PO number for invoice {invoice}", "Finance needs it to process the payment."),
    ("Book training for the {team} team", "One hour, remote, recorded."),
    ("Find a new champion at {company}", "Our main contact is leaving; map the stakeholders."),
    ("Review usage drop with {name}", "Active users fell this month; find out why."),
)

# --- deals ---------------------------------------------------------------------------------

DEAL_NAMES: dict[str, tuple[str, ...]] = {
    "new": ("{company}: {plan}", "{company} new business", "{company}: first subscription"),
    "expansion": (
        "{company}: {seats} more seats",
        "{company}: upgrade to {next_plan}",
        "{company} expansion ({team})",
    ),
    "renewal": ("{company} renewal {year}", "{company}: renewal and upgrade"),
}
NEXT_STEPS: dict[str, tuple[str, ...]] = {
    "open": (
        "Send proposal by {weekday}",
        "Demo for the {team} team",
        "Waiting for legal review",
        "Follow up with {name} on budget",
        "Security questionnaire due {weekday}",
    ),
    "won": ("Hand over to onboarding", "Kick-off scheduled", ""),
    "lost": ("", "Revisit in {quarter}"),
}
LOST_REASONS = (
    "Went with {competitor}",
    "No budget this year",
    "Price too high compared with {competitor}",
    "Timing: project postponed to {quarter}",
    "Missing feature: {feature2} by region",
    "Champion left the company",
    "No decision made",
)

# --- support -------------------------------------------------------------------------------

TICKET_SUBJECTS = (
    "Export to CSV times out",
    "SSO login loop after password change",
    "Report totals don't match {integration}",
    "Scheduled report not delivered",
    "Cannot invite new users",
    "{integration} sync stopped",
    "Dashboard loads very slowly",
    "Alert fired twice for the same event",
    "Question about API rate limits",
    "How do I change the billing contact?",
    "Permission error on shared dashboard",
    "Wrong time zone in scheduled reports",
    "Data missing for last week",
    "Request: delete a former employee's account",
)
TICKET_DESCRIPTIONS = (
    "Steps: open {feature}, choose the last 90 days, click export. Spinner, then a timeout error.",
    "Several users in the {team} team report this since yesterday. Screenshots attached.",
    "It worked last week. Nothing changed on our side as far as we know.",
    "Not urgent, but we'd like to understand how this works.",
    "This blocks our month-end reporting. Please treat it as urgent.",
)
NPS_COMMENTS: dict[str, tuple[str, ...]] = {
    "promoter": (
        "Great product and a very responsive team.",
        "{feature} saves us hours every week.",
        "Easy to use, and support is excellent.",
        "",
    ),
    "passive": (
        "Good overall, but {feature2} needs work.",
        "Does the job. Pricing is a bit high.",
        "",
    ),
    "detractor": (
        "Too many bugs lately and slow support.",
        "Too expensive for what we use.",
        "The {integration} integration is unreliable.",
        "We were promised features that never came.",
        "",
    ),
}
CSAT_COMMENTS: dict[int, tuple[str, ...]] = {
    5: ("Fast and helpful, thanks!", "Solved in minutes.", ""),
    4: ("Good answer, took a little while.", ""),
    3: ("OK, but I had to explain the problem twice.", ""),
    2: ("Slow response and the workaround doesn't help.", ""),
    1: ("Still not fixed. Very disappointed.", "Nobody answered for days.", ""),
}

# --- news and enrichment -------------------------------------------------------------------

SIGNALS: tuple[tuple[str, str, str, str], ...] = (  # sentiment, title, summary, url path
    (
        "positive",
        "{company} raises a Series {series} round",
        "{company} announced new funding to expand into new markets and grow its team.",
        "funding",
    ),
    (
        "positive",
        "{company} launches a new product line",
        "The launch targets {team} teams and is expected to drive growth next year.",
        "launch",
    ),
    (
        "positive",
        "{company} opens a new office in {city}",
        "{company} plans to hire around {hires} people at the new site.",
        "expansion",
    ),
    (
        "positive",
        "{company} announces a partnership with {integration}",
        "The partnership brings {company}'s offering to a wider audience.",
        "partnership",
    ),
    (
        "neutral",
        "{company} appoints a new Chief Operating Officer",
        "The new COO joins from a larger competitor and starts next month.",
        "leadership",
    ),
    (
        "neutral",
        "{company} reorganises its {team} department",
        "The company says the change simplifies reporting lines.",
        "reorganisation",
    ),
    (
        "negative",
        "{company} announces layoffs",
        "{company} is reducing its workforce by about {cut}% to cut costs.",
        "layoffs",
    ),
    (
        "negative",
        "{company} misses its revenue targets",
        "Quarterly results came in below expectations; a cost review is under way.",
        "results",
    ),
    (
        "negative",
        "{company} is acquired by a larger competitor",
        "The deal is expected to close next quarter; tool choices may be reviewed.",
        "acquisition",
    ),
)
NEWS_SITES = ("news.example.com", "businesswire.example.net", "techdaily.example.org")
ENRICHMENT_SOURCES = ("Clearbit", "Apollo", "ZoomInfo")
PROMOTED_TITLES = {
    "champion": ("Head of Operations", "Director of Operations", "VP of Operations"),
    "decision_maker": ("SVP of Operations", "Chief Operating Officer", "Chief Digital Officer"),
    "other": ("Senior Manager", "Director", "Head of Department"),
}
NEW_COMPANIES = (
    "Brightwater Systems",
    "Northfield Labs",
    "Cobalt Ridge",
    "Silverline Group",
    "Harbor & Finch",
    "Quantix",
)
