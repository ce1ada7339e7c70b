"""What demo e-mail threads say: per topic, who opens it and the steps of the conversation.

Each step is said by the CSM (``csm``) or the customer (``customer``) and has paragraph
templates per tone (``positive``, ``neutral``, ``negative``; ``any`` fits every tone). Slots in
braces are filled by ``conversations.py`` (see ``SLOTS``). The customer's words carry what the
insights look for: questions, objections, commitments, competitor names, pricing and renewal
talk, and a tone that VADER reads the way a person would.

Pure data. Changing a text or its order changes the data every seed produces.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Every slot a template may use; conversations.py fills all of them for every message.
SLOTS = (
    "first",  # the recipient's first name
    "company",  # the customer
    "vendor",  # us
    "feature",
    "feature2",
    "integration",
    "competitor",
    "plan",
    "next_plan",
    "seats",
    "renewal_date",
    "weekday",
    "date",
    "discount",
    "team",
    "colleague",
    "colleague_first",
    "invoice",
    "amount",
    "problem",
    "Problem",  # the same, as a sentence start
    "quarter",
    "last_day",
)

GREETINGS = ("Hi {first},", "Hello {first},", "Hi {first},", "Hey {first},")
# Sign-offs by tone: an angry customer does not send "kind regards".
CLOSINGS = {
    "positive": ("Best,", "Thanks,", "Kind regards,", "Best regards,", "Cheers,", "Many thanks,"),
    "neutral": ("Best,", "Regards,", "Thanks,", "Best regards,"),
    "negative": ("Regards,", "Regards,", "—"),
}
CSM_SIGNATURE = "{name}\nCustomer Success Manager, {vendor}"
REPLY_HEADER = "On {when}, {name} <{address}> wrote:"


@dataclass(frozen=True)
class Step:
    role: str  # csm or customer
    texts: dict[str, tuple[str, ...]]  # tone (or "any") -> paragraph templates
    attachment: str | None = None  # a PDF's file name template


@dataclass(frozen=True)
class Topic:
    subjects: tuple[str, ...]
    steps: tuple[Step, ...]
    tags: tuple[str, ...] = field(default=())  # e.g. "renewal", "pricing", "competitor"


def _s(role: str, attachment: str | None = None, **texts: tuple[str, ...]) -> Step:
    return Step(role, texts, attachment)


TOPICS: dict[str, Topic] = {
    "check_in": Topic(
        subjects=(
            "Checking in",
            "Quick check-in on {feature}",
            "How is {company} getting on?",
            "{company} <> {vendor}: checking in",
        ),
        steps=(
            _s(
                "csm",
                any=(
                    "I wanted to check in and see how things are going with {feature} on your "
                    "side. Is there anything the team is stuck on, or anything you'd like us "
                    "to look at before {date}?",
                    "It's been a few weeks since we last spoke, so I wanted to see how the "
                    "rollout is going. How are the {team} team finding {feature}?",
                    "Hope all is well at {company}. I noticed the {team} team has been busy "
                    "in {feature} lately. Are there any questions I can help with?",
                ),
            ),
            _s(
                "customer",
                positive=(
                    "Things are going really well, thanks for asking! The {team} team uses "
                    "{feature} every morning and it has saved us a lot of time. One question: "
                    "can we share a dashboard with people outside the company?",
                    "All good here. Adoption is up and people love {feature}. We'd like to "
                    "connect {integration} next; is there a guide you can send over?",
                    "Great timing. We just presented our numbers from {feature} to leadership "
                    "and they were impressed. Could we get a short session for new joiners?",
                ),
                neutral=(
                    "Things are fine overall. A few people still export to spreadsheets "
                    "instead of using {feature}; do you have training material we could share "
                    "internally?",
                    "We're getting there. The {team} team is using it, the others not so much "
                    "yet. Can you remind me how permissions work for {feature}?",
                    "It's mostly working. We had some questions about {feature2} that I'll "
                    "collect and send you by {weekday}.",
                ),
                negative=(
                    "Badly. {Problem} and the team is frustrated and annoyed. We reported it "
                    "weeks ago and nothing has changed, and people are giving up on it.",
                    "To be frank, adoption has stalled. {Problem}, and I'm struggling to "
                    "justify the cost to my manager right now.",
                    "Not as well as we hoped. {Problem}. We need this fixed, otherwise it's "
                    "hard to keep using the product. Disappointing.",
                ),
            ),
            _s(
                "csm",
                positive=(
                    "That's great to hear, thank you! Yes, you can share a read-only link; "
                    "I'll send you the steps today. I'll also book a session for your new "
                    "joiners on {weekday}.",
                    "Fantastic. I'll send over the {integration} guide this afternoon and I'm "
                    "happy to join the call when you connect it.",
                ),
                neutral=(
                    "Thanks for the honest update. I'll send a short training deck and two "
                    "recorded walkthroughs of {feature} by {weekday}. Happy to run a live "
                    "session for the others too.",
                    "Understood. I'll put together a one-pager on permissions and share it by "
                    "{weekday}. Let me know when the list of questions is ready.",
                ),
                negative=(
                    "I'm sorry to hear that, and thank you for being direct. I've escalated "
                    "this to our support lead and I'll personally follow up with an update by "
                    "{weekday}. Could we get 30 minutes to go through the issues together?",
                    "That is not the experience we want for you. I'm raising this with our "
                    "engineering team today and will come back to you with a plan by "
                    "{weekday}.",
                ),
            ),
            _s(
                "customer",
                positive=(
                    "Perfect, thank you {first}!",
                    "Great, thanks for the quick help.",
                ),
                neutral=(
                    "Thanks, that helps. I'll share it with the team.",
                    "OK, thanks. Talk soon.",
                ),
                negative=(
                    "We'll see. Another useless workaround won't do; this is unacceptable.",
                    "{weekday} works. Frankly, I'm tired of these problems; please make sure "
                    "someone technical joins.",
                ),
            ),
        ),
    ),
    "renewal": Topic(
        subjects=(
            "{company} renewal",
            "Your renewal on {renewal_date}",
            "Renewal: next steps",
            "{plan} subscription renewal",
        ),
        tags=("renewal", "pricing"),
        steps=(
            _s(
                "csm",
                any=(
                    "Your {plan} subscription comes up for renewal on {renewal_date}. I'd love "
                    "to set up 30 minutes to look back at the year and talk about what you "
                    "need for the next one. Does {weekday} work?",
                    "A quick heads-up that your contract renews on {renewal_date}. Before "
                    "then, I'd like to review your usage with you and make sure the plan "
                    "still fits. Would {weekday} or {date} suit you?",
                    "As we approach your renewal date ({renewal_date}), I wanted to share a "
                    "summary of the year and the options for the next term. Let me know when "
                    "you have 30 minutes.",
                ),
            ),
            _s(
                "customer",
                positive=(
                    "Thanks for the heads-up. We're planning to renew; the team relies on "
                    "{feature} every day. Could you send the renewal quote for {seats} seats? "
                    "We'd also like to hear about {next_plan}.",
                    "Good timing. We want to renew and probably add a few seats for the "
                    "{team} team. Can you send a quote for {seats} seats by {weekday}?",
                ),
                neutral=(
                    "Thanks. Before we commit, can you share pricing for the next term? "
                    "Finance is asking whether a multi-year option is available and whether "
                    "the price will change.",
                    "Noted. We'll need to review the budget first. What would the price be for "
                    "{seats} seats, and is there any flexibility on the terms?",
                ),
                negative=(
                    "The renewal is not a given this year. {competitor} offered us a similar "
                    "package for about {discount}% less, and we still have unresolved problems "
                    "with {feature}. We are disappointed.",
                    "We're not sure we'll renew. The price went up last year, adoption is poor, "
                    "and our CFO asked us to look at {competitor}. It's too expensive for what "
                    "we use.",
                    "Our budget has been cut and the renewal is under review. Frankly, "
                    "{problem}, which makes it hard to argue for the cost.",
                ),
            ),
            _s(
                "csm",
                "Renewal quote {company}.pdf",
                positive=(
                    "Wonderful, thank you! Please find the renewal quote attached: {seats} "
                    "seats on {plan} at {amount} a month. I'll also send a short overview of "
                    "{next_plan} so you can compare.",
                ),
                neutral=(
                    "Of course. I've attached the quote for {seats} seats. A two-year term "
                    "comes with {discount}% off and the price is locked for both years. Happy "
                    "to walk your finance team through it.",
                ),
                negative=(
                    "I understand, and I appreciate you telling me. I've attached a proposal "
                    "with {discount}% off for a two-year term, and I'd like to bring our "
                    "product lead to a call to go through the fixes for {feature}. Could we "
                    "meet before {renewal_date}?",
                ),
            ),
            _s(
                "customer",
                positive=(
                    "Looks good. We'll get the paperwork signed before {renewal_date}.",
                    "Thanks {first}, approved on our side. I'll send the signed order form "
                    "by {weekday}.",
                ),
                neutral=(
                    "Thanks, I'll review it with {colleague_first} and get back to you next week.",
                    "Received. We'll discuss it internally and come back to you before "
                    "{renewal_date}.",
                ),
                negative=(
                    "We're running out of patience. Without real progress before "
                    "{renewal_date}, we will cancel and move to {competitor}.",
                    "I can't promise anything. The decision now sits with {colleague}, who is "
                    "unhappy with the problems we had this year.",
                ),
            ),
        ),
    ),
    "pricing_seats": Topic(
        subjects=(
            "Pricing for additional seats",
            "Adding seats for the {team} team",
            "Question about {next_plan} pricing",
        ),
        tags=("pricing",),
        steps=(
            _s(
                "customer",
                any=(
                    "We'd like to give access to the {team} team ({seats} more people). What "
                    "would that cost on our current plan, and is there a volume discount?",
                    "Could you tell me what {next_plan} would cost for us? We need {feature2} "
                    "and I understand it's not part of {plan}.",
                    "Quick question on pricing: if we add {seats} seats mid-term, are they "
                    "prorated until the renewal?",
                ),
            ),
            _s(
                "csm",
                "Quote {company} - additional seats.pdf",
                any=(
                    "Thanks for asking! Additional seats are prorated to your renewal date. "
                    "I've attached a quote for {seats} seats; from 25 seats the price drops "
                    "by {discount}%.",
                    "Great question. {next_plan} adds {feature2} and priority support. I've "
                    "attached a quote at {amount} a month; I can hold this price until "
                    "{date}.",
                ),
            ),
            _s(
                "customer",
                positive=(
                    "That works for us. Please go ahead and send the order form, we'll sign "
                    "it this week.",
                    "Thanks, approved. Can you add the seats before {weekday}?",
                ),
                neutral=(
                    "Thanks. I need to run it past finance; I'll come back to you by {weekday}.",
                    "OK, noted. Is the price negotiable if we commit to two years?",
                ),
                negative=(
                    "That's far more than we expected, which is disappointing. {competitor} "
                    "quoted us a lot less for the same number of users.",
                    "Hmm, that's too expensive and hard to justify. We'll hold off, sadly.",
                ),
            ),
        ),
    ),
    "feature_request": Topic(
        subjects=(
            "Question about {feature}",
            "Feature request: {feature2}",
            "Is there a way to schedule {feature}?",
        ),
        steps=(
            _s(
                "customer",
                positive=(
                    "We love {feature}. Is there a way to schedule it to go out every Monday "
                    "to the {team} team? That would make it even more useful.",
                    "Quick question: can {feature} pull data from {integration}? It would "
                    "save us a manual step every week.",
                ),
                neutral=(
                    "Is there a way to filter {feature} by region? We couldn't find it in the "
                    "settings.",
                    "Can we export {feature} to PDF with our own logo? The {team} team asked "
                    "for it.",
                ),
                negative=(
                    "We still can't filter {feature} by region, which we were promised months "
                    "ago. Without it we can't roll out to the {team} team. Very disappointing.",
                    "There is still no way to schedule {feature2}, which is something basic. "
                    "This is a blocker for us and we're disappointed it's still not there.",
                ),
            ),
            _s(
                "csm",
                any=(
                    "Thanks for the feedback! Today you can do it with a saved view and a "
                    "scheduled export; I'll send you the steps. I've also added your vote to "
                    "the request, and our product team plans it for {quarter}.",
                    "Good question. It's not available yet, but it's on the roadmap for "
                    "{quarter}. In the meantime, a workaround is to use {feature2}; I'll "
                    "record a short video for you by {weekday}.",
                ),
            ),
            _s(
                "customer",
                positive=("Great, thanks for the quick answer!", "Perfect, that workaround works."),
                neutral=(
                    "OK, thanks. Please keep me posted on the timeline.",
                    "Thanks. We'll try the workaround.",
                ),
                negative=(
                    "{quarter} is too late for us. This delay is a serious problem; without a "
                    "firm date we will have to consider other options.",
                    "A workaround is not a solution and we're frustrated. Please escalate this.",
                ),
            ),
        ),
    ),
    "issue": Topic(
        subjects=(
            "Problem with {feature}",
            "Urgent: {feature} not working",
            "Ongoing issues with {feature}",
            "{integration} sync broken again",
        ),
        tags=("support",),
        steps=(
            _s(
                "customer",
                any=(
                    "{Problem}. This is the third time this month and the {team} team can't "
                    "do their work. We need this fixed urgently.",
                    "I'm writing because {problem}. We opened a ticket but haven't had a "
                    "useful answer yet. This is really frustrating.",
                    "Since last week {problem}. Our leadership review is on {date} and we "
                    "depend on it. Can you help?",
                ),
            ),
            _s(
                "csm",
                any=(
                    "I'm really sorry about this, {first}. I've escalated it to our support "
                    "lead and an engineer is looking at it now. I'll send you an update by "
                    "end of day.",
                    "Thank you for flagging it, and apologies for the trouble. I've raised "
                    "the priority of your ticket and I'll call you tomorrow morning with an "
                    "update.",
                ),
            ),
            _s(
                "customer",
                positive=(
                    "Thanks, it works again. Much appreciated!",
                    "The fix worked. Thanks for jumping on it so fast.",
                ),
                neutral=(
                    "Thanks. It seems to work now; we'll keep an eye on it.",
                    "OK, thanks for the update. Please let me know the root cause.",
                ),
                negative=(
                    "This keeps happening and it's hurting us. We're losing faith in the "
                    "product, and I've been told to look at {competitor} instead.",
                    "Still broken on our side. This is unacceptable for a tool we pay for.",
                    "We waited two days for an answer. I'm very disappointed with the poor "
                    "support we are getting.",
                ),
            ),
            _s(
                "csm",
                any=(
                    "Understood. Our engineers found the cause and a fix ships on {weekday}. "
                    "I'll send you a short incident report and I've added a credit to your "
                    "next invoice.",
                    "Thanks for your patience. Here is the summary: the issue came from a "
                    "change on our side, it's fixed, and we've added monitoring so it doesn't "
                    "happen again.",
                ),
            ),
        ),
    ),
    "qbr": Topic(
        subjects=(
            "Scheduling our {quarter} business review",
            "{quarter} QBR: {company} <> {vendor}",
            "Business review: proposed dates",
        ),
        steps=(
            _s(
                "csm",
                any=(
                    "It's time for our {quarter} business review. I'd like to walk through "
                    "your usage, the goals we set last quarter and the roadmap. Would "
                    "{weekday} at 10:00 or {date} at 15:00 work for you and {colleague_first}?",
                    "I'm putting together the {quarter} review for {company}. Could you share "
                    "two or three goals for next quarter so we can build the agenda around "
                    "them?",
                ),
            ),
            _s(
                "customer",
                positive=(
                    "{weekday} at 10:00 works. I'll bring {colleague_first} from the {team} "
                    "team; we'd like to talk about expanding to more users.",
                    "Sure! Our goals: roll out {feature} to the {team} team and connect "
                    "{integration}. Looking forward to it.",
                ),
                neutral=(
                    "{date} works for me. Please keep it to 45 minutes.",
                    "Let's do {weekday}. I'll check whether {colleague_first} can join.",
                ),
                negative=(
                    "We can do {date}, but I'd like to focus on the problems, not the roadmap. "
                    "{Problem}, and the team is frustrated.",
                ),
            ),
            _s(
                "csm",
                any=(
                    "Perfect, I've sent the invitation. Agenda: usage review, goals for "
                    "{quarter}, open questions. Talk soon!",
                    "Great, confirmed. I'll share the deck the day before.",
                ),
            ),
        ),
    ),
    "onboarding": Topic(
        subjects=(
            "Welcome to {vendor}!",
            "Onboarding plan for {company}",
            "Kick-off: next steps",
        ),
        steps=(
            _s(
                "csm",
                "Onboarding plan {company}.pdf",
                any=(
                    "Welcome aboard! I'm your customer success manager and I'll be with you "
                    "through onboarding. I've attached the onboarding plan: kick-off, data "
                    "import, SSO and training over the next four weeks. Does {weekday} work "
                    "for the kick-off?",
                    "Thank you for choosing {vendor}! To get you live quickly, could you "
                    "tell me who will own the setup on your side and which tools you'd like "
                    "to connect first?",
                ),
            ),
            _s(
                "customer",
                positive=(
                    "Thanks, we're excited to get started! {colleague} will own the setup. "
                    "We'd like to connect {integration} first. Do you support SSO with Okta?",
                    "{weekday} works, great. Can we import our historical data from "
                    "{integration}, or do we start from scratch?",
                ),
                neutral=(
                    "Thanks. We're a bit short on time this month; can the import be done on "
                    "your side? Also, how long does SSO setup usually take?",
                    "Noted. Who do we contact for technical questions during setup?",
                ),
                negative=(
                    "We're already behind schedule and the {integration} import failed on our "
                    "first try. This is a bad start and worrying.",
                ),
            ),
            _s(
                "csm",
                any=(
                    "Yes, SSO with Okta is supported and takes about an hour; I'll send the "
                    "guide. We can import the last 12 months from {integration} for you. "
                    "I'll book the kick-off for {weekday}.",
                    "Of course. Our onboarding engineer will run the import with you, and "
                    "you can reach them at any time through the support portal. I'll send "
                    "the invitation for {weekday}.",
                ),
            ),
            _s(
                "customer",
                positive=("Great, see you on {weekday}!", "Perfect, thanks {first}."),
                neutral=("OK, thanks.", "Sounds good."),
                negative=("Noted. This failed twice already, so I'm worried.",),
            ),
        ),
    ),
    "competitor": Topic(
        subjects=(
            "Comparison with {competitor}",
            "Question about your roadmap",
            "Evaluating our options",
        ),
        tags=("competitor",),
        steps=(
            _s(
                "customer",
                any=(
                    "I wanted to let you know that {competitor} approached us with an offer "
                    "that includes {feature2} at a lower price. Leadership asked me to "
                    "compare before the renewal. Can you explain how you differ?",
                    "We're evaluating {competitor} alongside {vendor}. Their demo showed "
                    "native {integration} support, which we still don't have with you. What "
                    "is your answer?",
                ),
            ),
            _s(
                "csm",
                any=(
                    "Thanks for telling me openly. Compared with {competitor}, we have "
                    "deeper {feature} and a dedicated CSM; I'd like to show you the "
                    "{integration} connector that ships in {quarter}. Can we meet on "
                    "{weekday}?",
                    "I appreciate the heads-up. I'll put together a side-by-side comparison "
                    "and a proposal by {weekday}. I'd also love to hear what you liked in "
                    "their demo.",
                ),
            ),
            _s(
                "customer",
                positive=("Fair enough, let's meet on {weekday}.",),
                neutral=(
                    "OK, send the comparison and we'll take it into account.",
                    "Thanks. The decision will be made by {colleague} in the next few weeks.",
                ),
                negative=(
                    "Their offer is hard to beat and we're unhappy with the price we pay. Unless "
                    "you can match it we will probably switch.",
                    "We've heard about the roadmap before and nothing came of it. We're tired "
                    "of empty promises.",
                ),
            ),
        ),
    ),
    "invoice": Topic(
        subjects=(
            "Invoice {invoice} is overdue",
            "Payment reminder: invoice {invoice}",
            "Outstanding invoice {invoice}",
        ),
        tags=("billing",),
        steps=(
            _s(
                "csm",
                any=(
                    "A friendly reminder that invoice {invoice} ({amount}) was due last "
                    "week and is still open. Could you check with your accounts payable team "
                    "when we can expect payment?",
                    "Our finance team flagged that invoice {invoice} for {amount} is past "
                    "due. Is there anything blocking the payment, such as a missing PO "
                    "number?",
                ),
            ),
            _s(
                "customer",
                positive=(
                    "Thanks for the reminder, and sorry it slipped through. Happy to confirm "
                    "it will be paid this week.",
                ),
                neutral=(
                    "Thanks for the reminder. Our AP team needs a PO number on the invoice; "
                    "I'll send it to you by {weekday}.",
                    "I've forwarded it to {colleague}, who handles payments.",
                ),
                negative=(
                    "We're holding the payment until the problems with {feature} are fixed. "
                    "We refuse to pay full price for a product that is broken.",
                    "We're disputing part of this invoice. We were charged for seats we don't use.",
                ),
            ),
            _s(
                "csm",
                any=(
                    "Thanks for getting back to me. I'll make sure finance reissues it if "
                    "needed, and I'll follow up on {weekday}.",
                    "Understood. Let's get on a call to sort this out; I'll bring someone "
                    "from our finance team.",
                ),
            ),
        ),
    ),
    "expansion": Topic(
        subjects=(
            "Rolling out to the {team} team",
            "Expanding {vendor} at {company}",
            "{next_plan} for {company}?",
        ),
        tags=("pricing",),
        steps=(
            _s(
                "customer",
                any=(
                    "The {team} team saw what we do with {feature} and they want in. We're "
                    "thinking about {seats} more seats, maybe {next_plan}. Can we talk about "
                    "pricing and timing?",
                    "Good news: leadership approved the budget to roll {vendor} out to the "
                    "{team} team in {quarter}. What do you need from us?",
                ),
            ),
            _s(
                "csm",
                "Proposal {company} expansion.pdf",
                any=(
                    "That's fantastic news, congratulations! I've attached a proposal for "
                    "{seats} seats on {next_plan}; with the volume the price per seat drops "
                    "by {discount}%. Shall we plan the rollout on {weekday}?",
                ),
            ),
            _s(
                "customer",
                positive=(
                    "Looks great. We'll sign by {date}. Can you set up a training for the "
                    "new users?",
                    "Approved! Please send the order form.",
                ),
                neutral=("Thanks, I'll share it with procurement and {colleague_first}.",),
                negative=(
                    "The price is higher than what we budgeted, which is a real problem for us.",
                ),
            ),
        ),
    ),
    "integration_help": Topic(
        subjects=(
            "{integration} integration question",
            "Connecting {integration}",
            "Help with the {integration} sync",
        ),
        steps=(
            _s(
                "customer",
                any=(
                    "We're trying to connect {integration} but the sync only brings in part "
                    "of our records. Is there a limit, or did we miss a setting?",
                    "How often does the {integration} sync run? The {team} team sees data "
                    "that is a day old.",
                ),
            ),
            _s(
                "csm",
                any=(
                    "Good question! The first sync imports 90 days; you can extend it under "
                    "Settings > Integrations > {integration}. After that it syncs every 15 "
                    "minutes.",
                    "The sync runs every hour on {plan} and every 15 minutes on {next_plan}. "
                    "I've asked support to check your connection logs as well.",
                ),
            ),
            _s(
                "customer",
                positive=("That did it, thanks a lot!", "Found it, works now. Thanks!"),
                neutral=("OK, thanks, we'll try that.",),
                negative=("We tried that already and it still fails. This is frustrating.",),
            ),
        ),
    ),
    "trial": Topic(
        subjects=(
            "Questions from our trial",
            "Trial of {vendor}: a few questions",
            "Evaluating {vendor} for {company}",
        ),
        tags=("pricing",),
        steps=(
            _s(
                "customer",
                any=(
                    "We've been testing {feature} this week. A few questions: can it connect "
                    "to {integration}, how is pricing structured for {seats} users, and do "
                    "you offer SSO?",
                    "Our team is evaluating {vendor} against {competitor}. Could you send "
                    "pricing for {seats} seats and tell me whether you offer an annual "
                    "discount?",
                ),
            ),
            _s(
                "csm",
                any=(
                    "Thanks for trying {vendor}! Yes to {integration} and SSO. For {seats} "
                    "users, {plan} comes to {amount} a month, with {discount}% off for an "
                    "annual commitment. Could we do a 30-minute demo on {weekday}?",
                    "Happy to help! I'll send a pricing sheet today. Many teams that "
                    "compared us with {competitor} chose us for {feature}; I'd love to show "
                    "you why on {weekday}.",
                ),
            ),
            _s(
                "customer",
                positive=(
                    "Great, {weekday} works. We're leaning towards {vendor}.",
                    "Thanks, that's helpful. Let's do the demo.",
                ),
                neutral=(
                    "Thanks. We'll compare the offers and get back to you.",
                    "OK. Our budget decision is in {quarter}.",
                ),
                negative=(
                    "That's above our budget, unfortunately. {competitor} is cheaper.",
                    "We'll pass for now; it's too expensive and the timing is bad.",
                ),
            ),
        ),
    ),
    "farewell": Topic(
        subjects=("Moving on from {company}", "Personal news", "My last day at {company}"),
        steps=(
            _s(
                "customer",
                any=(
                    "I wanted to let you know personally that I'm leaving {company}; my last "
                    "day is {last_day}. It's been a pleasure working with you. {colleague} "
                    "will be your contact from now on.",
                    "Some news: I've accepted a new role elsewhere and will leave {company} "
                    "on {last_day}. I haven't found a replacement for the {vendor} project "
                    "yet; {colleague} can help in the meantime.",
                ),
            ),
            _s(
                "csm",
                any=(
                    "Thank you for letting me know, and congratulations on the new role! "
                    "It's been great working with you. I'll reach out to {colleague} to "
                    "make sure the handover goes smoothly.",
                ),
            ),
        ),
    ),
    "follow_up": Topic(
        subjects=(
            "Following up",
            "Are you still the right contact?",
            "Checking in on {company}",
        ),
        steps=(
            _s(
                "csm",
                any=(
                    "I haven't heard from you in a while and wanted to make sure everything "
                    "is OK. Do you have 20 minutes on {weekday} for a quick catch-up?",
                    "I noticed the team hasn't logged in recently. Is there anything we can "
                    "do to help, or has something changed on your side?",
                    "I'm reaching out to check in before {date}. If someone else now owns "
                    "{vendor} at {company}, could you point me to them?",
                ),
            ),
            _s(
                "csm",
                any=(
                    "Just following up on my last note. Happy to work around your calendar.",
                    "Bumping this up in case it got lost. Would a short call next week work?",
                ),
            ),
        ),
    ),
}

# The problems customers complain about ({problem}), sentence starts.
PROBLEMS = (
    "the {feature} page times out for anything longer than a month",
    "the numbers in {feature} don't match what we see in {integration}",
    "the {integration} sync keeps failing overnight",
    "exports to CSV cut off after 10,000 rows",
    "people are logged out several times a day since the SSO change",
    "scheduled reports arrive hours late or not at all",
    "alerts fire for things that aren't problems, so people ignore them",
    "the dashboards are very slow for the {team} team",
)
