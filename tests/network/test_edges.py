"""Observed edge lists: loading and validation errors."""
from __future__ import annotations

import numpy as np
import pytest

from clusternet.errors import DataError
from clusternet.network.build import observed_networks
from clusternet.network.edges import YearNetwork, read_edge_list

NODES = [110000, 120000, 130000]
HEADER = "source,target,year,weight\n"


def write(tmp_path, body, header=HEADER):
    path = tmp_path / "edges.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_valid_edge_list_fills_matrices(tmp_path):
    path = write(tmp_path, "110000,120000,2011,2.5\n130000,110000,2012,1\n")
    mats = read_edge_list(path, NODES, (2011, 2012))
    assert sorted(mats) == [2011, 2012]
    np.testing.assert_array_equal(mats[2011], [[0, 2.5, 0], [0, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(mats[2012], [[0, 0, 0], [0, 0, 0], [1, 0, 0]])
    nets = observed_networks(path, NODES, [2011, 2012], {"rule": "nonzero", "quantile": 0.5, "k": 1})
    assert nets[0].adjacency[0, 1] == 1 and nets[0].adjacency.sum() == 1


@pytest.mark.parametrize(
    "body, message",
    [
        ("110000,999999,2011,1\n", r"row 2, column target: unknown region code 999999"),
        ("110000,110000,2011,1\n", r"row 2: self-loop 110000 -> 110000"),
        ("110000,120000,2011,1\n110000,120000,2011,-1\n", r"row 3, column weight: negative weight"),
        ("110000,120000,2011,\n", r"row 2, column weight: '' is not a number"),
        ("110000,120000,2011,nan\n", r"row 2, column weight: weight is missing"),
        ("110000,120000,20x1,1\n", r"row 2, column year: '20x1' is not an integer"),
        ("110000,120000,2030,1\n", r"row 2, column year: 2030 is outside the panel years 2011-2012"),
        ("110000,120000,2011,1\n110000,120000,2011,2\n", r"row 3: duplicate edge 110000 -> 120000 in 2011 "
                                                         r"\(first at row 2\)"),
    ],
)
def test_invalid_rows_name_file_row_and_column(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(DataError, match=message) as exc:
        read_edge_list(path, NODES, (2011, 2012))
    assert str(path) in str(exc.value)


def test_wrong_columns_and_missing_file(tmp_path):
    path = write(tmp_path, "110000,120000,2011,1\n", header="from,to,year,weight\n")
    with pytest.raises(DataError, match=r"missing \['source', 'target'\], unexpected \['from', 'to'\]"):
        read_edge_list(path, NODES, (2011, 2011))
    with pytest.raises(DataError, match=r"none\.csv does not exist; set network\.edges\.path"):
        read_edge_list(tmp_path / "none.csv", NODES, (2011, 2011))


def test_year_network_edge_table_lists_every_ordered_pair():
    w = np.array([[0, 1.0], [2.0, 0]])
    table = YearNetwork(2015, [1, 2], w, np.array([[0, 0], [1, 0]])).to_edges()
    assert table.to_dict(orient="list") == {"source": [1, 2], "target": [2, 1], "year": [2015, 2015],
                                            "weight": [1.0, 2.0], "tie": [0, 1]}
