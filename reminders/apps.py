from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Story reminders"

    def ready(self):
        # Signal receivers and system checks register on import.
        from reminders import checks, signals  # noqa: F401
