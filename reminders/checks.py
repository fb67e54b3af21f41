from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def vapid_keys_check(app_configs, **kwargs):
    """Half a VAPID pair, or a pair that does not match, would fail every push."""
    from reminders.vapid import KeyPair

    public, private = settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY
    if not public and not private:
        return []
    if not (public and private):
        return [
            checks.Error(
                "Only one of VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY is set.",
                hint="Set both (python manage.py vapid_keys prints a pair).",
                id="reminders.E001",
            )
        ]
    problem = KeyPair(public=public, private=private).problem()
    if problem:
        return [
            checks.Error(
                f"The VAPID keys cannot sign pushes: {problem}.",
                hint="python manage.py vapid_keys prints a new pair.",
                id="reminders.E002",
            )
        ]
    return []
