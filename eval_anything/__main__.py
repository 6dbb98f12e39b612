"""`python -m eval_anything` runs the command line (also under `accelerate launch -m eval_anything ...`)."""

from eval_anything.cli import main

main()
