"""The examples each command's ``--help`` ends with (a test runs every one of them)."""

EXAMPLES = {
    "run": """\
        examples:
          hls-sim run quick                                  # 10 replicates of quick.yaml
          hls-sim run scenarios/people_in_mind.yaml --replicates 20 --out results/pim
          hls-sim run collaborative --replicates 40 --keep-people 5 --workers 2 --seed 7
          hls-sim run --resume results/pim                   # finish an interrupted run""",
    "compare": """\
        examples:
          hls-sim compare competitive switch_to_collaborative --replicates 20   # the first is the baseline
          hls-sim compare competitive collaborative --decompose groups   # what made the difference
          hls-sim compare competitive collaborative --skip-no-service    # no no-service arm
          hls-sim compare competitive collaborative --dask local   # on a local Dask cluster
          hls-sim compare competitive collaborative --dask tcp://10.0.0.5:8786
          hls-sim compare --resume results/competitive-vs-collaborative-20261121-101500""",
    "validate": """\
        examples:
          hls-sim validate scenarios/*.yaml
          hls-sim validate my_place.yaml""",
    "list": """\
        example:
          hls-sim list""",
    "report": """\
        example:
          hls-sim report results/competitive-vs-collaborative-20261121-101500""",
    "demo": """\
        example:
          hls-sim demo                  # a minute or two on two quiet cores; prints the report's path""",
    "dashboard": """\
        examples:
          hls-sim dashboard                         # then open http://127.0.0.1:8765
          hls-sim dashboard --host 0.0.0.0 --port 9000""",
    "sensitivity": """\
        examples:
          hls-sim sensitivity experiments/morris_screening.yaml      # screen every lever
          hls-sim sensitivity sobol_regime_gap --workers 2           # a shipped experiment
          hls-sim sensitivity my_study.yaml --dask local             # a local Dask cluster
          hls-sim sensitivity my_study.yaml --dask tcp://10.0.0.5:8786
          hls-sim sensitivity --resume results/sobol_regime_gap-20261121-101500""",
    "discover": """\
        examples:
          hls-sim discover experiments/who_wins.yaml                 # both sides
          hls-sim discover who_wins_procurement --workers 2 --out results/wins
          hls-sim discover --resume results/wins             # finish, then find the boxes""",
}
