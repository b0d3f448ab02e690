from django.db import migrations

# A copy of assessments.framework.DSS_L as it was when this migration was
# written: migrations must not change when the code does.
DSS_L = [
    ("mind", "マインド・スタンス", "", [
        ("mind-change", "変化への適応", "5.4"),
        ("mind-collab", "コラボレーション", "2.4"),
        ("mind-empathy", "顧客・ユーザーへの共感", "2.3"),
        ("mind-novel", "常識にとらわれない発想", "5.3"),
        ("mind-iterative", "反復的なアプローチ", "5.3"),
        ("mind-flexible", "柔軟な意思決定", ""),
        ("mind-fact", "事実に基づく判断", "1.2"),
    ]),
    ("why", "Why（DX の背景）", "", [
        ("why-society", "社会の変化", ""),
        ("why-customer", "顧客価値の変化", ""),
        ("why-competition", "競争環境の変化", ""),
    ]),
    ("data", "What（データ）", "1", [
        ("data-society", "社会におけるデータ", "1.1"),
        ("data-read", "データを読む・説明する", "1.2"),
        ("data-handle", "データを扱う", "1.3"),
        ("data-decide", "データによって判断する", "1.2"),
    ]),
    ("tech", "What（デジタル技術）", "", [
        ("tech-ai", "AI", "5.2"),
        ("tech-cloud", "クラウド", "2.2"),
        ("tech-hwsw", "ハードウェア・ソフトウェア", "5.1"),
        ("tech-network", "ネットワーク", "2.1"),
    ]),
    ("use", "How（活用）", "", [
        ("use-cases", "データ・デジタル技術の活用事例", "5.2"),
        ("use-tools", "ツール利用", "3.2"),
    ]),
    ("caution", "How（留意点）", "4", [
        ("caution-security", "セキュリティ", "4.1"),
        ("caution-moral", "モラル", "2.5"),
        ("caution-compliance", "コンプライアンス", "4.2"),
    ]),
]  # fmt: skip


def load_framework(apps, schema_editor):
    SkillArea = apps.get_model("assessments", "SkillArea")
    order = 0
    for code, name, digcomp, children in DSS_L:
        order += 10
        parent, _ = SkillArea.objects.get_or_create(
            code=code, defaults={"name": name, "digcomp_code": digcomp, "sort_order": order}
        )
        for child_code, child_name, child_digcomp in children:
            order += 1
            SkillArea.objects.get_or_create(
                code=child_code,
                defaults={
                    "name": child_name,
                    "parent": parent,
                    "digcomp_code": child_digcomp,
                    "sort_order": order,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(load_framework, migrations.RunPython.noop)]
