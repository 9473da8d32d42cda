from derivcheck.cli import main

main()
