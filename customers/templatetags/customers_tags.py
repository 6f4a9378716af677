from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def render_panel(context, panel):
    """Render a 360-page panel's template like {% include %}, with its context keys available directly.

    The panel template sees `customer`, `panel` (so `panel.context.x` works too) and each key of `panel.context`.
    """
    tpl = context.template.engine.get_template(panel.template)
    with context.push(panel=panel, **panel.context):
        return tpl.render(context)
