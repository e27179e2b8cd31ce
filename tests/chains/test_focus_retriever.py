"""The focused retriever: the reader's page and selected passage come first, the book fills up."""

from __future__ import annotations

import pytest

from chains.focus_retriever import FocusedRetriever, page_url_forms
from tests.chains.conftest import book_store

CHUNKS = [
    ("/docs/ros2/topics", "A topic is a named channel that carries messages between nodes."),
    ("/docs/ros2/topics", "Use ros2 topic echo to print the messages on a topic."),
    ("/docs/ros2/services", "A service is a request and response call between two nodes."),
    ("/docs/sensors", "An IMU measures linear acceleration and angular velocity of the torso."),
    ("/docs/sensors", "Lidar gives a precise 3D point cloud of the surroundings."),
    ("/docs/sensors", "Joint encoders report the angle of each joint of the robot."),
    ("/docs/intro", "This book covers physical AI and humanoid robots in short pages."),
]


@pytest.fixture(scope="module")
def retriever(offline_embeddings):
    with book_store(offline_embeddings, CHUNKS) as store:
        yield FocusedRetriever(store=store, k=3, focus_k=2)


def _pages(docs):
    return [d.metadata["page_url"] for d in docs]


def test_page_url_forms_cover_relative_absolute_and_base_path_forms():
    forms = page_url_forms("https://me.github.io/book/docs/ros2/topics/?x=1#qos")
    assert forms[:2] == ["https://me.github.io/book/docs/ros2/topics",
                         "https://me.github.io/book/docs/ros2/topics/"]
    assert {"/book/docs/ros2/topics", "/docs/ros2/topics", "/docs/ros2/topics/"} <= set(forms)
    assert page_url_forms("https://site.org/") == ["https://site.org", "https://site.org/", "/"]
    assert page_url_forms("javascript:alert(1)") == []


def test_without_focus_it_is_plain_similarity_search(retriever):
    docs = retriever.invoke("What does an IMU measure?")
    assert len(docs) == 3 and _pages(docs)[0] == "/docs/sensors"
    assert all("score" in d.metadata for d in docs)


def test_a_selected_passage_brings_its_page_first_then_the_question_fills_up(retriever):
    docs = retriever.invoke(
        "What is a ROS 2 topic?",
        passage="Joint encoders report the angle of each joint of the robot.",
        page_url="https://book.example.org/docs/sensors#proprioception",
    )
    assert _pages(docs)[:2] == ["/docs/sensors", "/docs/sensors"]
    assert _pages(docs)[2] == "/docs/ros2/topics"  # the question's own answer still fits
    assert len({d.metadata["url"] for d in docs}) == 3  # no duplicates


def test_the_page_alone_is_promoted_only_when_relevant(retriever):
    on_page = retriever.invoke("How do I print the messages on a topic?",
                               page_url="http://localhost:3000/docs/ros2/topics")
    assert _pages(on_page)[:2] == ["/docs/ros2/topics", "/docs/ros2/topics"]
    unrelated = retriever.invoke("What does an IMU measure?",
                                 page_url="http://localhost:3000/docs/intro")
    assert _pages(unrelated)[0] == "/docs/sensors"  # the intro page is not forced on top


async def test_the_async_path_takes_the_same_keywords(retriever):
    docs = await retriever.ainvoke("What is lidar?", page_url="/docs/ros2/services",
                                   passage="A service is a request and response call.")
    assert _pages(docs)[0] == "/docs/ros2/services"
