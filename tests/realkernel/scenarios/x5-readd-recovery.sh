# Translated by llbitmap-sim scenario from the trace 'x5-readd-recovery', boot 1 of 1 (llbitmap-sim scenario fixtures/traces/x5-readd-recovery.json --name x5-readd-recovery).
# DISKS=2
# SIZE=67108864
# LBS=512
# QEMU_TIMEOUT=130
MEMBERS="/dev/vda /dev/vdb"
mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 --bitmap=lockless /dev/vda /dev/vdb
waitsync
echo 1 > /sys/block/md0/md/llbitmap/daemon_sleep
dd if=/dev/urandom of=/dev/md0 bs=65536 count=1 seek=1048576 iflag=fullblock oflag=direct,seek_bytes conv=notrunc status=none
mdadm /dev/md0 --fail /dev/vdb
mdadm /dev/md0 --remove /dev/vdb
dd if=/dev/urandom of=/dev/md0 bs=65536 count=1 seek=5242880 iflag=fullblock oflag=direct,seek_bytes conv=notrunc status=none
mdadm /dev/md0 --re-add /dev/vdb
waitsync
sleep 2
dd if=/dev/urandom of=/dev/md0 bs=4096 count=1 seek=20971520 iflag=fullblock oflag=direct,seek_bytes conv=notrunc status=none
sleep 3
crash
