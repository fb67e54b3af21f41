from django.apps import AppConfig


class ShowsConfig(AppConfig):
    name = "shows"

    def ready(self):
        from core import cache_tags
        from shows.models import WatchOffer

        # Offers start and end by date, not by a save that would purge the pages
        # showing them: those pages (they read every offer that has not ended, so
        # they carry its tag) are cached no longer than the next such moment.
        cache_tags.register_next_change(
            WatchOffer.objects.next_change, tags=["watchoffer-"]
        )
