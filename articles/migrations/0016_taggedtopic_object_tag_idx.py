"""A story's topics from the index alone (content_object, tag).

The related stories' ranking looks up the topics of each of the newest live stories
and counts the topics each candidate shares; a topic page's kind filters look for a
story of each kind in the topic. With only the one-column index each lookup read the
link rows too, and PostgreSQL preferred reading every link of the topics at once.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0015_live_order_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="taggedtopic",
            index=models.Index(
                fields=["content_object", "tag"], name="taggedtopic_object_tag_idx"
            ),
        ),
    ]
