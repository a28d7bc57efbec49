"""Co-authors of a proposal: invitations by address, accepted by the owner of a confirmed address; their
joining and leaving are audit actions."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0020_proposal_merged_into"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ProposalCoauthor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("email", models.CharField(max_length=254)),
                ("address", models.CharField(max_length=254)),
                (
                    "state",
                    models.CharField(
                        choices=[("invited", "Invited"), ("accepted", "Accepted"), ("declined", "Declined")],
                        default="invited",
                        max_length=10,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("responded_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="auditentry",
            name="audit_action_valid",
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("approved", "Approved by moderation"),
                    ("hidden", "Hidden by moderation"),
                    ("restored", "Restored by moderation"),
                    ("auto_hidden", "Hidden automatically after reports, pending review"),
                    ("flags_dismissed", "Reports reviewed, nothing to change"),
                    ("status_changed", "Status changed"),
                    ("response_published", "Official response published"),
                    ("threshold_reached", "Support threshold reached"),
                    ("supports_set_aside", "Supports set aside"),
                    ("support_reinstated", "Support counted again"),
                    ("threshold_withdrawn", "Support threshold no longer reached"),
                    ("milestone_planned", "Implementation step planned"),
                    ("milestone_replanned", "Implementation step rescheduled"),
                    ("milestone_started", "Implementation step started"),
                    ("milestone_done", "Implementation step done"),
                    ("edit_approved", "Edit approved by moderation"),
                    ("edit_rejected", "Edit rejected by moderation"),
                    ("withdrawn", "Withdrawn by its author"),
                    ("comment_published", "Comment published"),
                    ("support_kept_aside", "Support kept set aside after a review"),
                    ("attachment_removed", "File removed by moderation"),
                    ("merged_into", "Merged into another proposal"),
                    ("merged_from", "A duplicate merged into it"),
                    ("coauthor_invited", "Co-author invited"),
                    ("coauthor_joined", "Co-author joined"),
                    ("coauthor_left", "Co-author left"),
                ],
                max_length=20,
            ),
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
                            "auto_hidden",
                            "flags_dismissed",
                            "status_changed",
                            "response_published",
                            "threshold_reached",
                            "supports_set_aside",
                            "support_reinstated",
                            "threshold_withdrawn",
                            "milestone_planned",
                            "milestone_replanned",
                            "milestone_started",
                            "milestone_done",
                            "edit_approved",
                            "edit_rejected",
                            "withdrawn",
                            "comment_published",
                            "support_kept_aside",
                            "attachment_removed",
                            "merged_into",
                            "merged_from",
                            "coauthor_invited",
                            "coauthor_joined",
                            "coauthor_left",
                        ],
                    )
                ),
                name="audit_action_valid",
            ),
        ),
        migrations.AddField(
            model_name="proposalcoauthor",
            name="invited_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="proposalcoauthor",
            name="proposal",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="coauthors", to="proposals.proposal"
            ),
        ),
        migrations.AddField(
            model_name="proposalcoauthor",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="coauthorships",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="proposalcoauthor",
            index=models.Index(
                condition=models.Q(("state", "invited")), fields=["email"], name="coauthor_invited_by_email"
            ),
        ),
        migrations.AddIndex(
            model_name="proposalcoauthor",
            index=models.Index(fields=["user", "proposal"], name="coauthor_by_user"),
        ),
        migrations.AddConstraint(
            model_name="proposalcoauthor",
            constraint=models.UniqueConstraint(
                fields=("proposal", "email"), name="one_invitation_per_address"
            ),
        ),
        migrations.AddConstraint(
            model_name="proposalcoauthor",
            constraint=models.UniqueConstraint(
                fields=("proposal", "user"), name="one_coauthorship_per_person"
            ),
        ),
        migrations.AddConstraint(
            model_name="proposalcoauthor",
            constraint=models.CheckConstraint(
                condition=models.Q(("state__in", ["invited", "accepted", "declined"])),
                name="coauthor_state_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="proposalcoauthor",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("state", "accepted"), ("user__isnull", False)),
                    models.Q(models.Q(("state", "accepted"), _negated=True), ("user__isnull", True)),
                    _connector="OR",
                ),
                name="coauthor_account_when_accepted",
            ),
        ),
        migrations.AddConstraint(
            model_name="proposalcoauthor",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("responded_at__isnull", True), ("state", "invited")),
                    models.Q(models.Q(("state", "invited"), _negated=True), ("responded_at__isnull", False)),
                    _connector="OR",
                ),
                name="coauthor_answered_when_answered",
            ),
        ),
    ]
