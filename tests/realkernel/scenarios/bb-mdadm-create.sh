# (bbm) Members as mdadm 4.6 makes them for bb-after-repair: RAID1 x2 of 512 MiB with
# --bitmap=lockless (the bad-block log at sb + 16 sectors, inside the state bytes), stopped clean.
# DISKS=2
# SIZE=512M
MEMBERS="/dev/vda /dev/vdb"
mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 --bitmap=lockless /dev/vda /dev/vdb
waitsync
mdadm --stop /dev/md0
