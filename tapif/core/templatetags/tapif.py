from django import template

from tapif.core import moments
from tapif.core.messages import explain_message

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`{{ notes|get_item:field.name }}`: a dict lookup with a variable key."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def described_widget(field, note=None):
    """Render a field's widget with aria-describedby naming its help, its errors and the rule
    message shown beside it (Django adds only the help text's id on its own)."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    if note:
        ids.append(f"{field.auto_id}_rule")
    attrs = {"aria-describedby": " ".join(ids)} if ids else None
    return field.as_widget(attrs=attrs)


@register.filter
def explain(item):
    """`{{ result.message|explain }}`: a message (code and parameters) in the active language."""
    return explain_message(item)


@register.filter
def moment(value, where=None):
    """`{{ campaign.closes_at|moment:campaign }}`: "27 février 2027 à 23 h 59, heure du
    Pacifique", in the zone of `where` (a campaign or a zone name; the active zone without)."""
    return moments.moment_words(value, where)


@register.filter
def day(value, where=None):
    """`{{ offer.contract_start|day }}`, `{{ document.replaceable_until|day:campaign }}`: the
    calendar day, "1er septembre 2027" (a moment is read in the zone of `where`)."""
    return moments.day_words(value, where)


@register.filter
def clock(value, where=None):
    """`{{ campaign.closes_at|clock:campaign }}`: the time of day and its zone, "23 h 59, heure
    du Pacifique"."""
    return moments.clock_words(value, where)


@register.simple_tag(takes_context=True)
def session_seconds_left(context) -> int:
    """Seconds before the signed-in visitor's session ends (the session-expiry warning)."""
    request = context.get("request")
    if request is None or not hasattr(request, "session"):
        return 0
    return request.session.get_expiry_age()


@register.filter
def country(code):
    """`{{ identity.country|country }}`: a country's name in the page's language ("Canada"),
    from its ISO code; "" for no code."""
    if not code:
        return ""
    from django_countries import countries

    return countries.name(code) or code


@register.filter
def iso(value):
    """`<time datetime="{{ value|iso }}">`: an ISO 8601 moment to the second (HTML's `<time>`
    takes at most three decimals, Python writes six)."""
    if not value:
        return ""
    if hasattr(value, "microsecond"):
        value = value.replace(microsecond=0)
    return value.isoformat()
