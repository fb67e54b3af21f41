"""Load the demo newsroom: the Heartstopper renewal told twice, with its writers.

The facts come from the two seed reports in the project brief; every sentence here is
written anew. Pictures are drawn locally (images.demo), so nothing is downloaded.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from articles.models import (
    Article,
    Byline,
    Correction,
    CorrectionKind,
    GallerySlide,
    Kind,
    LiveUpdate,
    Status,
    Topic,
)
from authors.models import Author
from core.roles import EDITOR, WRITER, sync_roles
from images.demo import demo_image
from shows import demo as shows_demo

# A YouTube link alone on its line becomes a click-to-load embed (core.embeds).

TOPICS = {
    "netflix": (
        "Netflix",
        "News from the world's biggest streamer: renewals, "
        "premieres and the shows everyone is talking about.",
    ),
    "tv-and-film": ("TV and Film", "What to watch next, and the stories behind it."),
    "lgbtq": ("LGBTQ", "Queer stories on screen and the people who tell them."),
}

WRITERS = [
    {
        "slug": "grace-morris",
        "name": "Grace Morris",
        "role": "Staff Writer",
        "bio": "Grace writes our series guides, recaps and soap coverage, and keeps "
        "an eye on every new reality launch.",
        "full_bio": (
            "Grace joined the desk straight from university, where she studied "
            "writing alongside film, and has been reviewing television ever since. "
            "She looks after our recaps, explainers and binge guides, and she is the "
            "first to know when a long-running soap has a twist coming.\n\n"
            "Away from the screen she is usually planning a weekend away with friends "
            "or working through a stack of novels that have just been optioned for TV."
        ),
        "colours": ("#b3122e", "#5b3f8c"),
        "username": "writer",
    },
    {
        "slug": "priya-shah",
        "name": "Priya Shah",
        "role": "Senior Editor",
        "bio": "Priya runs the streaming desk and edits our news coverage of Netflix, "
        "Prime Video and Disney+.",
        "full_bio": (
            "Priya has covered streaming since the first box sets arrived online. She "
            "edits the news desk, chases renewals and cancellations, and interviews "
            "the writers and casts behind the year's breakout shows."
        ),
        "colours": ("#1f7a5c", "#1d1d3a"),
        "username": "editor",
    },
]

DEMO_ACCOUNTS = {
    "writer": ("newsroom-writer", WRITER),
    "editor": ("newsroom-editor", EDITOR),
}

STORY_ONE = {
    "slug": "netflix-renews-heartstopper-for-two-more-seasons",
    "headline": "Netflix renews Heartstopper for two more seasons",
    "standfirst": "The coming-of-age drama with a perfect critics' score has been "
    "given a double green light.",
    "body": """
<p>Heartstopper is coming back, and not just once. Netflix has ordered two further
seasons of its tender coming-of-age drama, so fans of Charlie and Nick have plenty
more to look forward to.</p>
<p>Alice Oseman, who created the LGBTQ+ graphic novels the series adapts, stays on as
writer and creator. Her story follows Charlie Spring (Joe Locke), a quiet student who
finds himself sharing a desk with rugby player Nick Nelson (Kit Connor) in form
class. A friendship forms fast; Charlie falls for Nick, and Nick slowly works out that
what he feels for Charlie goes well beyond friendship.</p>
<p>Viewers around the world fell for the pair as they worked through questions of
identity and sexuality on the way to a warm, hopeful finale.</p>
<p>Oseman broke the news on Instagram with a page of fresh sketches of the cast of
characters, joking that she had a lot of drawing ahead of her.</p>
<h2>A hit by every measure</h2>
<ul>
<li>It has reached Netflix's Top Ten in 54 countries.</li>
<li>Videos tagged #heartstopper have passed 4.3 billion views on TikTok.</li>
<li>Critics on Rotten Tomatoes give it a perfect 100% score.</li>
<li>It led Variety's Trending TV chart for four weeks running, with 1.05 million
engagements on Twitter.</li>
</ul>
<p>The books are flying off the shelves too. Weekly sales in the US are up 1,700%,
the first volume tops the American young adult fiction chart, and the series has
made the New York Times bestseller list.</p>
<p>[picture {inline_picture}]</p>
<p>Talking to What to Watch, Joe Locke explained why the show matters to him. It does
not hide the hard parts of growing up, bullying at school included, but it always
lets viewers see that things will turn out well. Queer characters are more common on
television than they used to be, he said, yet rarely in shows made for young
teenagers, and showing the joy of being queer matters at least as much as showing the
struggle.</p>
<blockquote class="pull-quote"><p>Two more seasons means two more years of Charlie
and Nick.</p></blockquote>
<p>The first season of Heartstopper is streaming now on Netflix.</p>
""",
    "hero": {
        "label": "Heartstopper: seasons 2 and 3",
        "alt_text": "Heartstopper title art announcing seasons two and three",
        "caption": "Netflix has renewed Heartstopper for two more seasons.",
        "colours": ("#e23b6b", "#2b3a8f"),
    },
    "age": timedelta(hours=3),
    "featured": True,
    "writer": "grace-morris",
}

STORY_TWO = {
    "slug": "heartstopper-double-renewal-perfect-rotten-tomatoes-score",
    "headline": "Heartstopper gets a double renewal after a perfect Rotten Tomatoes "
    "score",
    "standfirst": "Fans asked for more, and Netflix has answered twice over.",
    "body": """
<p>Netflix has handed Heartstopper not one but two more seasons, a reward for the
coming-of-age drama that critics on Rotten Tomatoes rate at a flawless 100%.</p>
<p>The LGBTQ+ series has been called the most significant British drama since It's a
Sin. Catch up with the trailer here:</p>
<p><a href="{trailer}">Heartstopper: the official trailer</a></p>
<p>Season one arrived on the streamer only a month ago, and within days viewers were
asking for a follow-up. Netflix did not keep them waiting for long.</p>
<p>Alice Oseman, the author and illustrator of the graphic novels behind the show,
returns as writer and creator for the new episodes.</p>
<p>The streamer also shared a few numbers from the first run. US sales of the
Heartstopper books have risen by 1,700 per cent, the #heartstopper tag has been
watched some 4.3 billion times on TikTok, and the show has made Netflix's Top Ten in
54 countries.</p>
<h2>What is it about?</h2>
<p>For anyone yet to press play: the story centres on soft-spoken Charlie (Joe Locke)
and rugby-loving Nick (Kit Connor), whose unlikely friendship turns into something
more. Along with their friends, they learn to accept themselves and look out for one
another.</p>
<p>Social media is full of praise, with fans saying they watched the whole series in a
single sitting and cried their way through the final episode.</p>
<p>Locke marked the news on Instagram, where he has gained 2.6 million followers since
the show launched, with photos of the cast and crew each raising two fingers.</p>
<p>In a recent interview with Digital Spy, Locke called the response overwhelming in
the best possible way, adding that the kindness of the fans makes the attention easy
to handle. Kit Connor agreed, and credited the readers of the graphic novels for
bringing their love of the characters with them to the series.</p>
""",
    "hero": {
        "label": "Heartstopper renewed",
        "alt_text": "Heartstopper key art in autumn colours with the word renewed",
        "caption": "Heartstopper will return for a second and a third season.",
        "colours": ("#f29f3d", "#b3122e"),
    },
    "age": timedelta(days=1, hours=2),
    "featured": False,
    "writer": "priya-shah",
}

STORY_IN_REVIEW = {
    "slug": "heartstopper-season-two-what-we-know",
    "headline": "Heartstopper season two: everything we know so far",
    "standfirst": "Cast, story and when the new episodes could arrive.",
    "body": """
<p>With two more seasons confirmed, here is what we know about the next chapter of
Charlie and Nick's story, and what the graphic novels suggest is coming.</p>
<p>Alice Oseman returns as writer and creator, and Joe Locke and Kit Connor are
expected back as Charlie and Nick.</p>
""",
    "status": Status.REVIEW,
    "target_in": timedelta(days=3),  # on the editorial calendar
    "writer": "grace-morris",
}


LIVE_BLOG = {
    "slug": "heartstopper-renewal-day-live",
    "headline": "Heartstopper renewal day: live",
    "standfirst": "Netflix has ordered two more seasons. Follow the reaction as it "
    "comes in.",
    "body": "<p>The news fans hoped for arrived today: Heartstopper will be back for a "
    "second and a third season. We are following the cast, the creator and the "
    "numbers here.</p>",
    "age": timedelta(hours=5),
    "writer": "priya-shah",
    "hero": {
        "label": "Renewal day",
        "alt_text": "The words renewal day in white over a pink and blue gradient",
        "caption": "Fans are celebrating two more seasons of Heartstopper.",
        "credit": "Newsroom",
        "colours": ("#2b3a8f", "#b3122e"),
    },
    # (minutes after the start, title, body, writer, pinned)
    "updates": [
        (
            0,
            "What we know so far",
            "<p>Netflix has ordered seasons two and three. Alice Oseman, who created "
            "the graphic novels, stays on as writer and creator.</p>",
            "priya-shah",
            True,
        ),
        (
            20,
            "",
            "<p>Oseman has posted a page of new sketches of the characters on "
            "Instagram, joking that she had better start drawing.</p>",
            "grace-morris",
            False,
        ),
        (
            45,
            "By the numbers",
            "<ul><li>Netflix's Top Ten in 54 countries.</li><li>4.3 billion views "
            "for #heartstopper on TikTok.</li><li>A perfect 100% from critics on "
            "Rotten Tomatoes.</li></ul>",
            "priya-shah",
            False,
        ),
        (
            70,
            "Joe Locke counts to two",
            "<p>Charlie himself shared photos of the cast and crew each holding up "
            "two fingers. He has gained 2.6 million Instagram followers since the "
            "show launched.</p>",
            "grace-morris",
            False,
        ),
    ],
}

GALLERY = {
    "slug": "heartstopper-in-pictures",
    "headline": "Heartstopper in pictures: the story so far",
    "standfirst": "Charlie, Nick and the friends who made a double renewal happen.",
    "body": "<p>Before seasons two and three arrive, a look back at the first run of "
    "the Netflix drama that critics rate at a perfect 100%.</p>",
    "age": timedelta(hours=8),
    "writer": "grace-morris",
    # (label, alt text, caption, colours)
    "slides": [
        (
            "Form group",
            "Two boys at neighbouring desks, drawn in pink and blue",
            "Charlie Spring (Joe Locke) is seated next to Nick Nelson (Kit Connor) "
            "in form group.",
            ("#e23b6b", "#2b3a8f"),
        ),
        (
            "Rugby",
            "A rugby ball on a green pitch under a grey sky",
            "Nick, the school's rugby star, brings Charlie onto the team.",
            ("#1f7a5c", "#1d1d3a"),
        ),
        (
            "Sketchbook",
            "An open sketchbook with pencil drawings of two faces",
            "Alice Oseman's graphic novels are the source of the series.",
            ("#f29f3d", "#5b3f8c"),
        ),
        (
            "Seasons 2 and 3",
            "Two raised fingers against a pink background",
            "Two more seasons: the cast marked the news with a two-finger salute.",
            ("#b3122e", "#e23b6b"),
        ),
    ],
}

CORRECTION = {
    "story": "heartstopper-double-renewal-perfect-rotten-tomatoes-score",
    "kind": CorrectionKind.CORRECTION,
    "text": "An earlier version of this story put views of the #heartstopper tag on "
    "TikTok at 4.3 million. The figure is 4.3 billion.",
    "age": timedelta(hours=20),
}


STORY_REVIEW = {
    "slug": "heartstopper-season-one-review",
    "headline": "Heartstopper season one review: first love, told with real care",
    "standfirst": "Alice Oseman's adaptation of her own graphic novels is warm, funny "
    "and kinder to its teenagers than almost anything else on television.",
    "kind": Kind.REVIEW,
    "subject": ("season", 1),
    "rating": Decimal("4.5"),
    "verdict": "Gentle, funny and quietly brave: the feel-good series of the year.",
    "body": """
<p>Plenty of shows promise a feel-good watch; Heartstopper actually delivers one. Over
eight short episodes, the first season follows Charlie Spring (Joe Locke) from the
day a new seating plan sits him beside Nick Nelson (Kit Connor) to the moment both
boys stop pretending that what they share is only friendship.</p>
<p>Alice Oseman writes the series from her own graphic novels, and it shows in the
details: the doodled leaves that drift across the screen when a hand brushes
another, the group chats, the staffroom where a teacher quietly looks out for the
kids who need it.</p>
<h2>Hard parts, handled gently</h2>
<p>The show does not pretend school is easy for a queer teenager. Charlie has been
bullied, and some of his classmates are still cruel. But the series keeps the light
in view: this is a story about getting through, and about the friends who help.</p>
<p>Locke and Connor are both excellent, and the supporting cast give every friend
group its own life. If the plotting is sometimes thin, it hardly matters.</p>
<p>Critics agree: the season holds a perfect score on Rotten Tomatoes.</p>
""",
    "hero": {
        "label": "Heartstopper season 1 review",
        "alt_text": "Heartstopper review title art in warm pink and orange",
        "caption": "Heartstopper's first season is streaming on Netflix.",
        "colours": ("#e23b6b", "#f29f3d"),
    },
    "age": timedelta(hours=6),
    "writer": "grace-morris",
}

STORY_RECAP = {
    "slug": "heartstopper-season-one-finale-recap",
    "headline": "Heartstopper season one finale recap: Nick and Charlie get together",
    "standfirst": "A day at the seaside ends with the question everyone was waiting "
    "for, and a promise of what comes next.",
    "kind": Kind.RECAP,
    "subject": ("episode", 1, 8),
    "safe_headline": "Heartstopper season one, episode eight recap: the finale",
    "safe_standfirst": "Our look back at the last episode of the first season. "
    "Spoilers inside.",
    # The desk keeps the finale spoiler-free for a fortnight while fans catch up.
    "spoilers_lift_in": timedelta(days=14),
    "body": """
<p>The last episode of the first season takes Charlie, Nick and their friends out of
school for a day at the seaside, and gives the whole group room to breathe after a
difficult few weeks.</p>
<p>Charlie (Joe Locke) spends much of the day convinced he has read Nick wrongly all
along, while Nick (Kit Connor) keeps trying to find a quiet moment alone.</p>
<p class="spoiler">When he finally gets it, on the beach, Nick tells Charlie that he
sees him as far more than a friend, and the two agree to be together.</p>
<p class="spoiler">The last scene finds them back with their friends, happy and no
longer hiding how they feel.</p>
<p>It is a warm, hopeful ending, and with two more seasons confirmed, there is plenty
more of Charlie and Nick's story to come.</p>
""",
    "hero": {
        "label": "Heartstopper finale recap",
        "alt_text": "Heartstopper recap title art in blue and pink",
        "caption": "Heartstopper's first season ends at the seaside.",
        "colours": ("#2b3a8f", "#e23b6b"),
    },
    "age": timedelta(hours=5),
    "writer": "grace-morris",
}


class Command(BaseCommand):
    help = (
        "Load the demo newsroom (idempotent): the Heartstopper show with its seasons, "
        "episodes and where to watch it, two writers, the topics Netflix, TV and "
        "Film and LGBTQ, both seed stories with credited pictures and a trailer, a "
        "review of season one, a spoiler-guarded recap of its finale, a live blog, a "
        "gallery and a correction, and (with DEBUG on) demo writer and editor logins."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            shows = self._show()
            show = shows["heartstopper"]
            topics = self._topics()
            writers = {spec["slug"]: self._writer(spec) for spec in WRITERS}
            inline = demo_image(
                "Nick and Charlie",
                alt_text="Two figures on a school bench, drawn in pink and blue",
                caption="Kit Connor and Joe Locke play Nick and Charlie.",
                credit="Netflix",
                colours=("#2b3a8f", "#e23b6b"),
            )
            for spec in (
                STORY_ONE,
                STORY_TWO,
                STORY_IN_REVIEW,
                STORY_REVIEW,
                STORY_RECAP,
            ):
                self._story(
                    spec, writers, topics, show, inline_picture=inline.pk, shows=shows
                )
            self._live_blog(LIVE_BLOG, writers, topics, show)
            self._gallery(GALLERY, writers, topics, show)
            self._correction(CORRECTION)
        if settings.DEBUG:
            self._demo_accounts(writers)
        else:
            self.stdout.write("DEBUG is off: no demo logins were created.")
        self.stdout.write(self.style.SUCCESS("The demo newsroom is ready."))

    def _show(self):
        shows = shows_demo.seed()
        self.stdout.write(f"Show: {shows['heartstopper'].title}")
        return shows

    def _topics(self):
        topics = []
        for slug, (name, description) in TOPICS.items():
            topic, created = Topic.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "description": description,
                    "in_navigation": True,
                },
            )
            topics.append(topic)
            self._say("Topic", topic.name, created)
        return topics

    def _writer(self, spec):
        initials = "".join(part[0] for part in spec["name"].split())
        photo = demo_image(
            initials,
            alt_text=f"Portrait placeholder for {spec['name']}",
            credit="Newsroom",
            size=(640, 640),
            colours=spec["colours"],
        )
        author, created = Author.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "role": spec["role"],
                "bio": spec["bio"],
                "full_bio": spec["full_bio"],
                "photo": photo,
            },
        )
        self._say("Writer", f"{author.name}, {author.role}", created)
        return author

    def _story(self, spec, writers, topics, show, *, inline_picture, shows=None):
        if Article.objects.filter(slug=spec["slug"]).exists():
            self._say("Story", spec["headline"], created=False)
            return
        hero = None
        if "hero" in spec:
            hero = demo_image(
                spec["hero"]["label"],
                alt_text=spec["hero"]["alt_text"],
                caption=spec["hero"]["caption"],
                credit="Netflix",
                colours=spec["hero"]["colours"],
            )
        status = spec.get("status", Status.PUBLISHED)
        body = spec["body"].format(
            trailer=shows_demo.TRAILER_URL, inline_picture=inline_picture
        )
        article = Article.objects.create(
            slug=spec["slug"],
            headline=spec["headline"],
            standfirst=spec["standfirst"],
            body=" ".join(body.split()),
            hero_image=hero,
            status=status,
            publish_at=(
                timezone.now() - spec["age"] if status == Status.PUBLISHED else None
            ),
            is_featured=spec.get("featured", False),
            target_date=(
                timezone.localdate() + spec["target_in"]
                if "target_in" in spec
                else None
            ),
            **self._format_fields(spec, shows),
        )
        Byline.objects.create(article=article, author=writers[spec["writer"]])
        article.topics.set(topics)
        if show is not None:
            article.shows.add(show)
        self._say("Story", article.headline, created=True)

    def _format_story(self, spec, kind, writers, topics, show):
        """A published story of `kind` with no hero picture, or None if it exists."""
        if Article.objects.filter(slug=spec["slug"]).exists():
            self._say("Story", spec["headline"], created=False)
            return None
        hero = spec.get("hero")
        article = Article.objects.create(
            slug=spec["slug"],
            kind=kind,
            hero_image=demo_image(**hero) if hero else None,
            headline=spec["headline"],
            standfirst=spec["standfirst"],
            body=spec["body"],
            status=Status.PUBLISHED,
            publish_at=timezone.now() - spec["age"],
        )
        Byline.objects.create(article=article, author=writers[spec["writer"]])
        article.topics.set(topics)
        if show is not None:
            article.shows.add(show)
        self._say("Story", article.headline, created=True)
        return article

    def _live_blog(self, spec, writers, topics, show):
        article = self._format_story(spec, Kind.LIVE, writers, topics, show)
        if article is None:
            return
        article.coverage_start_at = article.publish_at
        article.save(update_fields=["coverage_start_at"])
        for minutes, title, body, writer, pinned in spec["updates"]:
            update = LiveUpdate.objects.create(
                article=article,
                posted_at=article.publish_at + timedelta(minutes=minutes),
                title=title,
                body=body,
                is_pinned=pinned,
            )
            update.writers.set([writers[writer]])

    def _gallery(self, spec, writers, topics, show):
        article = self._format_story(spec, Kind.GALLERY, writers, topics, show)
        if article is None:
            return
        for position, (label, alt_text, caption, colours) in enumerate(
            spec["slides"], start=1
        ):
            image = demo_image(
                label,
                alt_text=alt_text,
                caption=caption,
                credit="Netflix",
                colours=colours,
            )
            GallerySlide.objects.create(article=article, image=image, position=position)
        article.hero_image = article.slides.first().image
        article.save(update_fields=["hero_image"])

    def _correction(self, spec):
        article = Article.objects.filter(slug=spec["story"]).first()
        if article is None:
            return
        _, created = Correction.objects.get_or_create(
            article=article,
            text=spec["text"],
            defaults={
                "kind": spec["kind"],
                "published_at": timezone.now() - spec["age"],
            },
        )
        self._say("Correction", article.headline, created)

    def _format_fields(self, spec, shows):
        """A review's or recap's subject, stars and spoiler-free text."""
        fields = {
            name: spec[name]
            for name in (
                "kind",
                "rating",
                "verdict",
                "safe_headline",
                "safe_standfirst",
            )
            if name in spec
        }
        match spec.get("subject"):
            case ("season", number):
                fields["subject_season"] = shows["seasons"][number]
            case ("episode", 1, number):
                fields["subject_episode"] = shows["episodes"][number]
        if "spoilers_lift_in" in spec:
            fields["spoilers_lift_at"] = timezone.now() + spec["spoilers_lift_in"]
        return fields

    def _demo_accounts(self, writers):
        """Staff logins for trying the back office as each role (DEBUG only)."""
        sync_roles()
        User = get_user_model()
        for spec in WRITERS:
            username = spec["username"]
            password, role = DEMO_ACCOUNTS[username]
            user, _ = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@localhost"}
            )
            user.is_staff, user.is_active = True, True
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            Author.objects.filter(pk=writers[spec["slug"]].pk).update(user=user)
            self.stdout.write(
                f"{role} login: {username} / {password} "
                f"(writes as {writers[spec['slug']].name})"
            )

    def _say(self, kind, name, created):
        verb = "created" if created else "already there"
        self.stdout.write(f"{kind}: {name} ({verb})")
