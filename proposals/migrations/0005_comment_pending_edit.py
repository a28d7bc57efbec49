"""A published comment's edit in a pre-moderated consultation waits for a moderator beside the approved
text (`pending_body`, `pending_at`); a rejected edit leaves its reason for the author; the audit trail
records both decisions."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0004_workflow"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="auditentry",
            name="audit_action_valid",
        ),
        migrations.AddField(
            model_name="comment",
            name="edit_rejection_reason",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name="comment",
            name="pending_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="comment",
            name="pending_body",
            field=models.TextField(blank=True, max_length=2000),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("approved", "Approved by moderation"),
                    ("hidden", "Hidden by moderation"),
                    ("restored", "Restored by moderation"),
                    ("flags_dismissed", "Reports reviewed, nothing to change"),
                    ("status_changed", "Status changed"),
                    ("response_published", "Official response published"),
                    ("threshold_reached", "Support threshold reached"),
                    ("edit_approved", "Edit approved by moderation"),
                    ("edit_rejected", "Edit rejected by moderation"),
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
                            "flags_dismissed",
                            "status_changed",
                            "response_published",
                            "threshold_reached",
                            "edit_approved",
                            "edit_rejected",
                        ],
                    )
                ),
                name="audit_action_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="comment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("pending_at__isnull", True), ("pending_body", "")),
                    models.Q(("pending_at__isnull", False), models.Q(("pending_body", ""), _negated=True)),
                    _connector="OR",
                ),
                name="comment_pending_edit_whole",
            ),
        ),
    ]
