import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_search_vector"),
    ]

    operations = [
        migrations.CreateModel(
            name="DailyReads",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("day", models.DateField(verbose_name="day")),
                ("count", models.PositiveIntegerField(default=0, verbose_name="reads")),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reads",
                        to="articles.article",
                    ),
                ),
            ],
            options={
                "verbose_name": "daily reads",
                "verbose_name_plural": "daily reads",
                "indexes": [models.Index(fields=["day"], name="reads_day_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("article", "day"), name="reads_once_a_day"
                    )
                ],
            },
        ),
    ]
