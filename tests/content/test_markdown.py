import pytest

from content.markdown import render_markdown


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert('x')</script>", "<script"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<img src="x.png" onerror="alert(1)">', "onerror"),
        ('<a href="https://example.jp" onclick="steal()">link</a>', "onclick"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ("<style>body{display:none}</style>", "<style"),
        ('<p style="position:fixed">x</p>', "style="),
        ("[x](vbscript:msgbox)", "vbscript:"),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
    ],
)
def test_author_html_cannot_inject_script(source, forbidden):
    assert forbidden not in render_markdown(source).lower()


def test_markdown_features_survive_sanitising():
    html = render_markdown(
        "## 見出し\n\n- 一つ目\n- **二つ目**\n\n"
        "| 項目 | 内容 |\n|---|---|\n| 標準化 | 20業務 |\n\n"
        "[デジタル庁](https://www.digital.go.jp/)"
    )

    assert "<h2>見出し</h2>" in html
    assert "<li><strong>二つ目</strong></li>" in html
    assert "<th>項目</th>" in html and "<td>標準化</td>" in html
    assert 'href="https://www.digital.go.jp/"' in html
    assert 'rel="noopener noreferrer"' in html


def test_level_one_headings_are_demoted_below_the_page_title():
    assert render_markdown("# タイトル") == "<h2>タイトル</h2>"
