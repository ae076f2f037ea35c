"""Sub-commands of the network stage: `clusternet network` and `clusternet qap`."""
from __future__ import annotations

from clusternet.cli.common import add_config_argument


def _network(args) -> int:
    from clusternet.config import load_config
    from clusternet.network.stages import run_network

    for path in run_network(load_config(args.config)):
        print(path)
    return 0


def _qap(args) -> int:
    from clusternet.config import load_config
    from clusternet.network.stages import run_qap

    for path in run_qap(load_config(args.config)):
        print(path)
    return 0


def register(sub) -> None:
    """Add this domain's sub-commands to the `clusternet` parser."""
    p = sub.add_parser("network", help="yearly linkage networks (gravity or observed edges) and network indices",
                       description="Reads data/processed/panel.parquet and config/network.yaml; writes "
                                   "data/processed/network_{nodes,level,edges}.parquet and results/network/*.")
    add_config_argument(p)
    p.set_defaults(func=_network)
    p = sub.add_parser("qap", help="QAP correlations and MRQAP (double semi-partialling) of the linkage network",
                       description="Reads data/processed/network_edges.parquet, the panel and (if a matrix uses "
                                   "it) data/processed/indices.parquet; writes results/network/qap.{json,csv}, "
                                   "results/network/qap_calibration.csv and results/qap/artefacts.json.")
    add_config_argument(p)
    p.set_defaults(func=_qap)
