"""KoopFlow's engine side: process definitions, cases, tasks, time. No Flask in here."""
