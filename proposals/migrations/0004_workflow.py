"""The officials' workflow: thresholds and deadlines, comments, flags, follows and notifications, and one
append-only audit trail in place of the separate status-change and moderation-decision tables.

Existing status changes and moderation decisions are copied into the trail; existing responses get their
entry and set `responded_at`; existing supporters follow what they support (supporting follows by
default). On PostgreSQL a trigger makes the trail append-only: no delete, and no update except forgetting
the actor of a deleted account (the `SET NULL` of its foreign key).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


TRIGGER_FUNCTION = "proposals_auditentry_append_only"


def copy_history(apps, schema_editor):
    AuditEntry = apps.get_model("proposals", "AuditEntry")
    Follow = apps.get_model("proposals", "Follow")
    ModerationDecision = apps.get_model("proposals", "ModerationDecision")
    OfficialResponse = apps.get_model("proposals", "OfficialResponse")
    Proposal = apps.get_model("proposals", "Proposal")
    StatusChange = apps.get_model("proposals", "StatusChange")
    Support = apps.get_model("votes", "Support")

    def actor_fields(actor):
        if actor is None:
            return {"actor": None, "actor_name": "", "actor_role": "platform"}
        official = actor.is_superuser or actor.groups.filter(name="Officials").exists()
        return {
            "actor": actor,
            "actor_name": f"{actor.first_name} {actor.last_name}".strip() or actor.display_name,
            "actor_role": "official" if official else "moderator",
        }

    entries = []
    for decision in ModerationDecision.objects.select_related("actor"):
        action = "approved" if decision.action == "approve" else "hidden"
        to_value = "published" if action == "approved" else "hidden"
        entries.append(
            AuditEntry(
                proposal_id=decision.proposal_id,
                action=action,
                to_value=to_value,
                reason=decision.reason,
                public=False,
                created_at=decision.created_at,
                **actor_fields(decision.actor),
            )
        )
    for change in StatusChange.objects.select_related("actor"):
        entries.append(
            AuditEntry(
                proposal_id=change.proposal_id,
                action="status_changed",
                from_value=change.from_status,
                to_value=change.to_status,
                reason=change.note,
                public=True,
                created_at=change.created_at,
                **actor_fields(change.actor),
            )
        )
    for response in OfficialResponse.objects.select_related("author"):
        entries.append(
            AuditEntry(
                proposal_id=response.proposal_id,
                response=response,
                action="response_published",
                public=True,
                created_at=response.published_at,
                **actor_fields(response.author),
            )
        )
        Proposal.objects.filter(pk=response.proposal_id, responded_at__isnull=True).update(
            responded_at=response.published_at
        )
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    Follow.objects.bulk_create(
        (
            Follow(user_id=user_id, proposal_id=proposal_id)
            for user_id, proposal_id in Support.objects.values_list("user_id", "proposal_id").iterator()
        ),
        batch_size=1000,
        ignore_conflicts=True,
    )


def create_append_only_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {TRIGGER_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
               AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION USING
                MESSAGE = 'the audit trail is append-only: ' || TG_OP || ' refused',
                ERRCODE = 'restrict_violation';
        END
        $$
        """
    )
    schema_editor.execute(
        f"CREATE TRIGGER {TRIGGER_FUNCTION} BEFORE UPDATE OR DELETE ON proposals_auditentry "
        f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER_FUNCTION}()"
    )


def drop_append_only_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER_FUNCTION} ON proposals_auditentry")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {TRIGGER_FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("proposals", "0003_search_vectors"),
        ("votes", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("actor_name", models.CharField(blank=True, max_length=150)),
                (
                    "actor_role",
                    models.CharField(
                        choices=[
                            ("platform", "The platform"),
                            ("moderator", "Moderator"),
                            ("official", "Official"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("approved", "Approved by moderation"),
                            ("hidden", "Hidden by moderation"),
                            ("restored", "Restored by moderation"),
                            ("flags_dismissed", "Reports reviewed, nothing to change"),
                            ("status_changed", "Status changed"),
                            ("response_published", "Official response published"),
                            ("threshold_reached", "Support threshold reached"),
                        ],
                        max_length=20,
                    ),
                ),
                ("from_value", models.CharField(blank=True, max_length=20)),
                ("to_value", models.CharField(blank=True, max_length=20)),
                ("reason", models.CharField(blank=True, max_length=1000)),
                ("public", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name_plural": "audit entries",
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="Comment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("author_is_official", models.BooleanField(default=False)),
                ("body", models.TextField(max_length=2000, verbose_name="comment")),
                ("language", models.CharField(default="en", max_length=8)),
                (
                    "visibility",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting for moderation"),
                            ("published", "Published"),
                            ("hidden", "Hidden by moderation"),
                        ],
                        default="pending",
                        max_length=12,
                    ),
                ),
                ("moderation_reason", models.CharField(blank=True, max_length=500)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("edited_at", models.DateTimeField(blank=True, null=True)),
                ("deleted_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="Flag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("spam", "Spam or advertising"),
                            ("abuse", "Abusive, hateful or threatening"),
                            ("personal_data", "Reveals personal information"),
                            ("off_topic", "Off topic for this consultation"),
                            ("other", "Something else"),
                        ],
                        max_length=16,
                        verbose_name="reason",
                    ),
                ),
                ("details", models.CharField(blank=True, max_length=500, verbose_name="details")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="Follow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.CreateModel(
            name="Notification",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("read_at", models.DateTimeField(blank=True, null=True)),
                ("emailed_at", models.DateTimeField(blank=True, null=True)),
                ("email_wanted", models.BooleanField(default=True)),
                ("email_attempts", models.PositiveSmallIntegerField(default=0)),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="proposal",
            name="proposal_status_valid",
        ),
        migrations.AddField(
            model_name="proposal",
            name="comments_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="proposal",
            name="responded_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="proposal",
            name="response_due_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="proposal",
            name="threshold_reached_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="officialresponse",
            name="decision",
            field=models.CharField(
                blank=True,
                choices=[
                    ("open", "Open for support"),
                    ("awaiting_response", "Awaiting an official response"),
                    ("under_review", "Under review"),
                    ("accepted", "Accepted"),
                    ("rejected", "Rejected"),
                    ("implemented", "Implemented"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="proposal",
            name="status",
            field=models.CharField(
                choices=[
                    ("open", "Open for support"),
                    ("awaiting_response", "Awaiting an official response"),
                    ("under_review", "Under review"),
                    ("accepted", "Accepted"),
                    ("rejected", "Rejected"),
                    ("implemented", "Implemented"),
                ],
                default="open",
                max_length=20,
            ),
        ),
        migrations.AddIndex(
            model_name="proposal",
            index=models.Index(
                condition=models.Q(("responded_at__isnull", True), ("response_due_at__isnull", False)),
                fields=["response_due_at"],
                name="proposal_awaiting_response",
            ),
        ),
        migrations.AddConstraint(
            model_name="proposal",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "status__in",
                        ["open", "awaiting_response", "under_review", "accepted", "rejected", "implemented"],
                    )
                ),
                name="proposal_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="proposal",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("response_due_at__isnull", True), ("threshold_reached_at__isnull", True)),
                    models.Q(("response_due_at__isnull", False), ("threshold_reached_at__isnull", False)),
                    _connector="OR",
                ),
                name="proposal_deadline_with_threshold",
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="proposal",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="audit_entries",
                to="proposals.proposal",
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="response",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="audit_entries",
                to="proposals.officialresponse",
            ),
        ),
        migrations.AddField(
            model_name="comment",
            name="author",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="comments",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="comment",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="replies",
                to="proposals.comment",
            ),
        ),
        migrations.AddField(
            model_name="comment",
            name="proposal",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="comments", to="proposals.proposal"
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="comment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="audit_entries",
                to="proposals.comment",
            ),
        ),
        migrations.AddField(
            model_name="flag",
            name="comment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="flags",
                to="proposals.comment",
            ),
        ),
        migrations.AddField(
            model_name="flag",
            name="proposal",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="flags",
                to="proposals.proposal",
            ),
        ),
        migrations.AddField(
            model_name="flag",
            name="reporter",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="flags", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="follow",
            name="proposal",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="follows", to="proposals.proposal"
            ),
        ),
        migrations.AddField(
            model_name="follow",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="follows",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="entry",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to="proposals.auditentry",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="recipient",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(copy_history, migrations.RunPython.noop, elidable=False),
        migrations.RemoveField(
            model_name="moderationdecision",
            name="actor",
        ),
        migrations.RemoveField(
            model_name="moderationdecision",
            name="proposal",
        ),
        migrations.RemoveField(
            model_name="statuschange",
            name="actor",
        ),
        migrations.RemoveField(
            model_name="statuschange",
            name="proposal",
        ),
        migrations.DeleteModel(
            name="ModerationDecision",
        ),
        migrations.DeleteModel(
            name="StatusChange",
        ),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(fields=["proposal", "visibility", "created_at"], name="comment_by_proposal"),
        ),
        migrations.AddConstraint(
            model_name="comment",
            constraint=models.CheckConstraint(
                condition=models.Q(("visibility__in", ["pending", "published", "hidden"])),
                name="comment_visibility_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="comment",
            constraint=models.CheckConstraint(
                condition=models.Q(("parent", models.F("id")), _negated=True), name="comment_not_own_parent"
            ),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["proposal", "created_at"], name="audit_by_proposal"),
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "action__in",
                        [
                            "approved",
                            "hidden",
                            "restored",
                            "flags_dismissed",
                            "status_changed",
                            "response_published",
                            "threshold_reached",
                        ],
                    )
                ),
                name="audit_action_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.CheckConstraint(
                condition=models.Q(("actor_role__in", ["platform", "moderator", "official"])),
                name="audit_role_valid",
            ),
        ),
        migrations.AddIndex(
            model_name="flag",
            index=models.Index(
                condition=models.Q(("resolved_at__isnull", True)), fields=["created_at"], name="flag_open"
            ),
        ),
        migrations.AddConstraint(
            model_name="flag",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("comment__isnull", True), ("proposal__isnull", False)),
                    models.Q(("comment__isnull", False), ("proposal__isnull", True)),
                    _connector="OR",
                ),
                name="flag_one_target",
            ),
        ),
        migrations.AddConstraint(
            model_name="flag",
            constraint=models.CheckConstraint(
                condition=models.Q(("reason__in", ["spam", "abuse", "personal_data", "off_topic", "other"])),
                name="flag_reason_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="flag",
            constraint=models.UniqueConstraint(
                condition=models.Q(("proposal__isnull", False)),
                fields=("reporter", "proposal"),
                name="one_flag_per_citizen_per_proposal",
            ),
        ),
        migrations.AddConstraint(
            model_name="flag",
            constraint=models.UniqueConstraint(
                condition=models.Q(("comment__isnull", False)),
                fields=("reporter", "comment"),
                name="one_flag_per_citizen_per_comment",
            ),
        ),
        migrations.AddIndex(
            model_name="follow",
            index=models.Index(fields=["user", "proposal"], name="follow_by_user"),
        ),
        migrations.AddConstraint(
            model_name="follow",
            constraint=models.UniqueConstraint(fields=("proposal", "user"), name="one_follow_per_citizen"),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["recipient", "-created_at"], name="notification_by_recipient"),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("email_wanted", True), ("emailed_at__isnull", True)),
                fields=["created_at"],
                name="notification_unsent",
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                fields=("recipient", "entry"), name="one_notification_per_entry"
            ),
        ),
        migrations.RunPython(create_append_only_trigger, drop_append_only_trigger, elidable=False),
    ]
