from smtp_sim.cli import main

raise SystemExit(main())
