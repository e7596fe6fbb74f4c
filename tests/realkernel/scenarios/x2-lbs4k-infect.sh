# (x2) 4 KiB logical blocks: does infection of block 0 reach the bitmap superblock's own bytes?
# DISKS=2
# SIZE=64M
# LBS=4096
MEMBERS="/dev/vda /dev/vdb"
cat /sys/block/vda/queue/logical_block_size
mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 --bitmap=lockless /dev/vda /dev/vdb
waitsync
cat /sys/block/md0/queue/logical_block_size
echo 60 > /sys/block/md0/md/safe_mode_delay
dd if=/dev/urandom of=/dev/md0 bs=4k count=1 seek=0 oflag=direct
dd if=/dev/urandom of=/dev/md0 bs=4k count=1 seek=16 oflag=direct
bits after-writes
echo "--- bitmap sb bytes 0..63 of vda"
dd if=/dev/vda iflag=direct bs=4096 skip=2 count=1 2>/dev/null | od -An -tx1 -N64
mdadm --stop /dev/md0
echo "--- after stop, bitmap sb bytes 0..63 of vda"
dd if=/dev/vda iflag=direct bs=4096 skip=2 count=1 2>/dev/null | od -An -tx1 -N64
mdadm --assemble /dev/md0 --run /dev/vda /dev/vdb
cat /proc/mdstat
cat /sys/block/md0/md/bitmap_type 2>&1
mdadm --stop /dev/md0
