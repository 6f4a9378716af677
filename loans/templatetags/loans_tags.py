from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def pct(value, places: int = 2):
    """A rate as a percentage: Decimal('0.18') → '18.00%'."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(value) * 100:.{int(places)}f}%"


@register.filter
def minus(value, other):
    """value − other (Decimals), for due − paid columns."""
    return (value or Decimal(0)) - (other or Decimal(0))


@register.simple_tag(takes_context=True)
def render_loan_panel(context, panel):
    """Render a loan-page panel's template (loans.api panels) with its context keys available directly, like {% include %}."""
    tpl = context.template.engine.get_template(panel.template)
    with context.push(panel=panel, **panel.context):
        return tpl.render(context)
