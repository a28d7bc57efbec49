"""An official keeping a support set aside after a review is recorded, not public: it tells its citizen."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0016_comment_published"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
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
                        ],
                    )
                ),
                name="audit_action_valid",
            ),
        ),
    ]
