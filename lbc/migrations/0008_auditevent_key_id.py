from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lbc", "0007_harm_report"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(blank=True, max_length=20, null=True),
        ),
    ]
