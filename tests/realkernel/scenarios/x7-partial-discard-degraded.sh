# Translated by llbitmap-sim scenario from the trace 'x7-partial-discard-degraded', boot 1 of 1.
# DISKS=2
# SIZE=67108864
# LBS=512
# QEMU_TIMEOUT=122
MEMBERS="/dev/vda /dev/vdb"
mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 --bitmap=lockless /dev/vda /dev/vdb
waitsync
mdadm /dev/md0 --fail /dev/vdb
mdadm /dev/md0 --remove /dev/vdb
dd if=/dev/urandom of=/dev/md0 bs=16384 count=1 seek=4177920 iflag=fullblock oflag=direct,seek_bytes conv=notrunc status=none
blkdiscard -o 4128768 -l 32768 /dev/md0
mdadm /dev/md0 --re-add /dev/vdb
waitsync
sleep 1
crash
