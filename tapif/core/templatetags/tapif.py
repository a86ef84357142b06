from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`{{ notes|get_item:field.name }}`: a dict lookup with a variable key."""
    if not mapping:
        return None
    return mapping.get(key)
