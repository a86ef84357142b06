from django import template

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
