"""The BM25-style sparse vectors of the lexical half of hybrid search."""

from __future__ import annotations

from clients.lexical import (
    AVG_WORDS,
    BM25SparseEmbeddings,
    document_vector,
    query_vector,
    term_id,
    words,
)


def test_words_are_lowercased_split_stemmed_and_stop_words_dropped():
    assert words("The Publishers call create_publisher() on ROS2 nodes!") == [
        "publish", "call", "creat", "publish", "ros2", "node"]
    assert words("the and of") == []


def test_term_ids_are_stable_32_bit_numbers():
    assert term_id("publish") == term_id("publish") == 3096759361  # crc32: a change needs a re-ingest
    assert 0 <= term_id("sensor") < 2**32 and term_id("sensor") != term_id("publish")


def test_document_weights_saturate_with_repetition_and_fall_with_length():
    once = document_vector("lidar point cloud")
    twice = document_vector("lidar lidar point cloud")
    lidar = term_id("lidar")

    def weight(vector, term):
        return dict(zip(vector.indices, vector.values, strict=True))[term]

    assert weight(twice, lidar) > weight(once, lidar)
    assert weight(twice, lidar) < 2 * weight(once, lidar)  # BM25 saturation, not raw counts
    padding = " ".join(f"filler{i}" for i in range(int(AVG_WORDS) * 3))
    assert weight(document_vector("lidar " + padding), lidar) < weight(once, lidar)
    assert once.indices == sorted(once.indices)


def test_a_query_is_its_distinct_words_with_weight_one():
    vector = query_vector("Which sensor? The sensors!")
    assert vector.indices == [term_id("sensor")] and vector.values == [1.0]
    assert query_vector("what is it").indices == []


def test_the_langchain_interface_encodes_documents_and_queries():
    encoder = BM25SparseEmbeddings()
    docs = encoder.embed_documents(["IMU measures acceleration", "Lidar"])
    assert len(docs) == 2 and term_id("imu") in docs[0].indices
    assert encoder.embed_query("IMU") == query_vector("IMU")
