"""The offline extractive answerer quotes the most relevant sentences with their citations."""

from __future__ import annotations

from langchain_core.messages import HumanMessage, SystemMessage

from chains.offline import ExtractiveChatModel
from chains.prompts import load_prompt

SOURCES = """<sources>
<source id="1" title="Sensors" section="IMU" url="/docs/sensors#imu">
An IMU reports linear acceleration and angular velocity of the torso. It is mounted in the chest.
</source>
<source id="2" title="ROS" section="Topics" url="/docs/ros#topics">
A topic is a named channel that carries messages from publishers to subscribers. Topics are
asynchronous and many-to-many.
</source>
</sources>"""


def _messages(question: str) -> list:
    return [SystemMessage(f"Answer from the sources.\n{SOURCES}"), HumanMessage(question)]


def test_answer_quotes_the_matching_source_with_its_number(offline_embeddings):
    model = ExtractiveChatModel(embeddings=offline_embeddings)
    text = model.invoke(_messages("What does a topic carry between publishers and subscribers?"))
    content = str(text.content)
    assert content.startswith(load_prompt("offline_notice"))
    first = content.split("\n- ", 1)[1]
    assert "named channel" in first and first.rstrip().endswith("[2]")


def test_lexical_mode_without_embeddings_still_finds_the_sentence():
    model = ExtractiveChatModel()
    content = str(model.invoke(_messages("What does an IMU report?")).content)
    assert "angular velocity" in content and "[1]" in content


def test_no_sources_says_so():
    model = ExtractiveChatModel()
    reply = model.invoke([SystemMessage("<sources>\n</sources>"), HumanMessage("why?")])
    content = str(reply.content)
    assert "could not find" in content


async def test_streams_token_by_token_and_joins_to_the_invoke_text():
    model = ExtractiveChatModel()
    msgs = _messages("What does an IMU report?")
    chunks = [c.content async for c in model.astream(msgs)]
    assert len(chunks) > 5
    assert "".join(chunks) == (await model.ainvoke(msgs)).content
