# Translated by llbitmap-sim scenario from the trace 'x3-discard-idle', boot 1 of 1 (llbitmap-sim scenario fixtures/traces/x3-discard-idle.json --name x3-discard-idle).
# DISKS=2
# SIZE=67108864
# LBS=512
# QEMU_TIMEOUT=136
MEMBERS="/dev/vda /dev/vdb"
mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 --bitmap=lockless /dev/vda /dev/vdb
waitsync
echo 1 > /sys/block/md0/md/llbitmap/daemon_sleep
dd if=/dev/urandom of=/dev/md0 bs=65536 count=1 seek=1048576 iflag=fullblock oflag=direct,seek_bytes conv=notrunc status=none
dd if=/dev/urandom of=/dev/md0 bs=65536 count=1 seek=3145728 iflag=fullblock oflag=direct,seek_bytes conv=notrunc status=none
sleep 7
blkdiscard -o 1048576 -l 65536 /dev/md0
sleep 1
crash
