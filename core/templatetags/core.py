from django import template

from core import links

register = template.Library()

register.filter("absolute", links.absolute)
