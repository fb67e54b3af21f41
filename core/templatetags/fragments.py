"""{% fragment "name" %}…{% endfragment %}: a piece of a page cached by its view.

The view puts a core.fragments.Fragments in the context as `fragments`; the
tag prints the cached piece if there is one, else renders its contents and stores
them. Without `fragments` in the context it simply renders its contents.
"""

from django import template

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, name, nodelist):
        self.name = name
        self.nodelist = nodelist

    def render(self, context):
        fragments = context.get("fragments")
        if fragments is None:
            return self.nodelist.render(context)
        name = self.name.resolve(context)
        html = fragments.get(name)
        if html is None:
            html = self.nodelist.render(context)
            fragments.store(name, html)
        return html


@register.tag
def fragment(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one name: a string.")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(parser.compile_filter(bits[1]), nodelist)
