from django.db import migrations, models


class Migration(migrations.Migration):
    """The people a story mentions, declared on the story (it was Person.articles).

    The rows stay: the link table is renamed to the name Django gives Article.people,
    and its columns (article_id, person_id) already have the right names.
    """

    dependencies = [
        ("articles", "0007_article_kind"),
        ("shows", "0004_person_articles_moves_to_article_people"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="article",
                    name="people",
                    field=models.ManyToManyField(
                        blank=True,
                        help_text="Cast and crew the story mentions; it is listed on their pages.",
                        related_name="articles",
                        to="shows.person",
                        verbose_name="people",
                    ),
                )
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE shows_person_articles RENAME TO articles_article_people",
                    "ALTER TABLE articles_article_people RENAME TO shows_person_articles",
                )
            ],
        )
    ]
